// The compiler's own words for a mistake in a route's config.cors: the error
// must name the option (not "not assignable to type 'false & {…}'"), and an
// origin function's parameters must have names (not param_0, param_1).
import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')

test('type errors in config.cors name the option; origin-function parameters have names', async t => {
  const work = join(root, '.tmp', `types-${process.pid}`)
  mkdirSync(work, { recursive: true })
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  writeFileSync(join(work, 'mistakes.ts'), `import Fastify from 'fastify'
import type { OriginFunction } from '../../index.js'
const app = Fastify()
app.get('/a', { config: { cors: { credentials: 'yes' } } }, async () => 'a')
app.get('/b', { config: { cors: { maxAge: '10' } } }, async () => 'b')
app.get('/c', { config: { cors: true } }, async () => 'c')
app.get('/s', { config: { cors: 'https://a.com' } }, async () => 's')
const shown: OriginFunction = 42
const wrong: OriginFunction = (host: number) => host > 0
export { shown, wrong }
`)
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '../..' }, files: ['mistakes.ts'] }))
  let output = ''
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', work], { encoding: 'utf8' })
  } catch (error) {
    output = (error as { stdout: string }).stdout
  }
  t.match(output, /mistakes\.ts\(4,27\)[\s\S]*Types of property 'credentials' are incompatible\.\n\s+Type 'string' is not assignable to type 'boolean \| NotABoolean \| undefined'/)
  t.match(output, /mistakes\.ts\(5,27\)[\s\S]*Types of property 'maxAge' are incompatible/)
  t.notMatch(output, /'false & \{/, 'never reported against false & {…}')
  t.match(output, /mistakes\.ts\(6,27\): error TS2322: Type 'true' is not assignable to type 'CorsIsAnOptionsObjectOrFalse & true'\.\n\s+Type 'boolean' is not assignable to type 'CorsIsAnOptionsObjectOrFalse'/, 'cors: true: the message states the rule')
  t.match(output, /mistakes\.ts\(7,27\): error TS2322: [^\n]*\n\s+Type 'string' is not assignable to type 'CorsIsAnOptionsObjectOrFalse'/, "cors: 'https://a.com' too")
  t.match(output, /Type 'number' is not assignable to type 'OriginFunctionType'/)
  t.match(output, /Types of parameters 'host' and 'origin' are incompatible/, 'the parameters are named')
  t.notMatch(output, /param_\d/)
})
