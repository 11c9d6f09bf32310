// scripts/matrix.js, the version legs of .ci/run: which files a leg runs, and
// the transpiled copy it runs them from.
import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(import.meta.dirname, '../..')
const script = pathToFileURL(join(root, 'scripts', 'matrix.js')).href

/**
 * Calls one of the script's functions in a child process, without coverage (tap's processinfo reads
 * this): lib/ is what the suite covers, and the script's legs run only in .ci/run.
 */
function call (expression: string): any {
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  const source = `import * as matrix from '${script}'\nconsole.log(JSON.stringify(await (async () => ${expression})() ?? null))`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: root, env, encoding: 'utf8' }))
}

test('a leg runs every test file except those that drive a browser', async t => {
  const all: string[] = []
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`
      if (entry.isDirectory() && entry.name !== 'fixtures') walk(path)
      else if (entry.name.endsWith('.test.ts')) all.push(path)
    }
  }
  walk('test')
  const legs: string[] = call(`matrix.nonBrowserTests(${JSON.stringify(root)})`)
  const skipped = all.filter(file => !legs.includes(file)).sort()
  t.same(skipped, [
    'test/browser/chromium.test.ts',
    'test/browser/demo.test.ts',
    'test/browser/firefox.test.ts',
    'test/browser/webkit.test.ts',
    'test/features/demo-page.test.ts',
    'test/interop/chromium.test.ts'
  ], 'the browser suite, the demo page and the interop apps in Chromium: the README\'s run has them')
  t.ok(legs.includes('test/features/matrix.test.ts') && legs.includes('test/interop/helmet.test.ts'), 'the rest, the interop apps through inject included')
})

test('a leg runs every property test with fewer runs', async t => {
  const legRuns: Record<string, string> = call('matrix.LEG_RUNS')
  const dir = join(root, 'test', 'properties')
  const read = readdirSync(dir).filter(file => file.endsWith('.test.ts')).flatMap(file =>
    [...readFileSync(join(dir, file), 'utf8').matchAll(/process\.env\.([A-Z_]+_RUNS)/g)].map(match => match[1]))
  t.ok(read.length >= 7, `the properties' run counts (${read.length})`)
  for (const name of new Set(read)) t.ok(Object.hasOwn(legRuns, name), `${name} has a leg's count`)
})

test('the oldest Fastify of the peer range', async t => {
  t.same(call("[matrix.oldestOf('^5.12.8'), matrix.oldestOf('>=5.0.0 <6')]"), ['5.12.8', '5.0.0'])
  t.match(call("(() => { try { matrix.oldestOf('latest') } catch (error) { return error.message } })()"), /names no version/)
})

test('transpiled beside its sources, a test runs on plain node with its imports resolved', async t => {
  const dir = t.testdir({
    'package.json': JSON.stringify({ type: 'module' }),
    'index.ts': "export { twice } from './lib/twice.js'\n",
    lib: {
      'twice.ts': "import { factor } from './factor.cjs'\nimport type { Shape } from './shape.js'\nexport const twice = (n: number): Shape => ({ n: n * factor })\n",
      'shape.ts': 'export interface Shape { n: number }\n',
      'factor.cts': 'export const factor: number = 2\n'
    },
    test: {
      'twice.test.ts': "import { twice } from '../index.js'\nconst result: { n: number } = twice(21)\nconsole.log(result.n)\n",
      types: { 'not-run.ts': 'export const skipped: number = 1\n' }
    },
    scripts: { 'other.ts': 'export const other: number = 1\n' }
  })
  call(`matrix.transpile(${JSON.stringify(dir)})`)
  t.equal(execFileSync(process.execPath, [join(dir, 'test', 'twice.test.js')], { encoding: 'utf8' }).trim(), '42', 'ES modules from .ts, CommonJS from .cts, type-only imports erased')
  t.notOk(readdirSync(join(dir, 'test', 'types')).includes('not-run.js'), 'the type tests are left alone: tsc checks them')
  t.notOk(readdirSync(join(dir, 'scripts')).includes('other.js'), 'only index.ts, lib/ and test/')
})
