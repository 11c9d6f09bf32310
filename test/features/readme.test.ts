// The README's claims that a test can keep true: every refusal reason the
// plugin can log has its row in the reasons table (and no row names a reason
// that does not exist), every row the migration table cites exists, the
// supported versions are package.json's, and non-preflight OPTIONS requests are
// answered as the Behaviour section says. (The compat block: compat.test.ts.)
import { test } from 'tap'
import Fastify from 'fastify'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import cors from '../../index.js'
import { ROUTER_OPTIONS_SINCE, URI_TOO_LONG_SINCE } from '../fixtures/fastify-version.js'

const root = resolve(import.meta.dirname, '../..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>, engines: Record<string, string> }

function section (heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`)
  if (start === -1) throw new Error(`no section '${heading}' in the README`)
  const next = readme.slice(start + heading.length + 2).search(/\n#{1,3} /)
  return readme.slice(start, next === -1 ? undefined : start + heading.length + 2 + next)
}

function libSources (dir = join(root, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => entry.isDirectory()
    ? libSources(join(dir, entry.name))
    : entry.name.endsWith('.ts') ? [readFileSync(join(dir, entry.name), 'utf8')] : [])
}

test("the reasons table has a row for every reason the plugin logs, and none for a reason it doesn't", async t => {
  const reasons = readFileSync(join(root, 'lib', 'request', 'reasons.ts'), 'utf8')
  const union = /export type Reason =([\s\S]*?)\n\n/.exec(reasons)?.[1] ?? ''
  const inLib = new Set([...union.matchAll(/'([a-z-]+)'/g)].map(match => match[1]))
  // Logged by the origin-function layer, before the request is refused as origin-not-allowed.
  for (const source of libSources()) for (const match of source.matchAll(/'(origin-function-[a-z]+)'/g)) inLib.add(match[1])
  t.ok(inLib.size >= 12, `reasons read from lib (${[...inLib].join(', ')})`)
  const rows = section('## Refusal reasons').split('\n').filter(line => line.startsWith('| `'))
  const inTable = new Set(rows.flatMap(row => [...row.split(' | ')[0].matchAll(/`([a-z-]+)`/g)].map(match => match[1])))
  for (const reason of inLib) t.ok(inTable.has(reason), `${reason} has a row`)
  for (const reason of inTable) t.ok(inLib.has(reason), `the row ${reason} is a reason of lib/`)
})

test('every row the migration table cites is explained in scripts/compat-explained.json', async t => {
  const { rows } = JSON.parse(readFileSync(join(root, 'scripts', 'compat-explained.json'), 'utf8')) as { rows: Record<string, string> }
  const cited = [...section('## Migrating from `@fastify/cors`').matchAll(/\(\*\*(R\d+)\*\*\)/g)].map(match => match[1])
  t.equal(cited.length, Object.keys(rows).length, 'every explained row is cited')
  for (const row of cited) t.ok(Object.hasOwn(rows, row), `${row} is in compat-explained.json`)
  t.equal(new Set(cited).size, cited.length, 'each row is cited once')
})

test("the supported versions are package.json's, and the version changes the tests know", async t => {
  const supported = section('## Supported versions')
  t.match(supported, `\`${pkg.peerDependencies.fastify}\` (\`peerDependencies\`)`)
  t.match(supported, `(\`engines: ${pkg.engines.node}\`)`)
  t.match(supported, `\`routerOptions\` exists from Fastify ${ROUTER_OPTIONS_SINCE}`)
  t.match(supported, `\`414\` from ${URI_TOO_LONG_SINCE}`)
})

test('a non-preflight OPTIONS request is an actual request, as the Behaviour section says', async t => {
  const behaviour = section('## Behaviour')
  t.match(behaviour, 'is not a preflight but an actual request')
  t.match(behaviour, "as\n  `PATCH /nope` does with `methods: ['GET', 'POST']`")
  const answers = async (methods: string[] | undefined): Promise<string[]> => {
    const app = Fastify()
    await app.register(cors, { origin: 'https://a.example', ...(methods === undefined ? {} : { methods }) })
    app.get('/x', async () => 'x')
    app.options('/mine', async () => 'mine')
    const cases: Array<[string, string, string | undefined]> = [
      ['OPTIONS', '/mine', 'https://a.example'],
      ['OPTIONS', '/mine', undefined],
      ['OPTIONS', '/x', 'https://a.example'],
      ['OPTIONS', '/mine', 'https://evil.example'],
      ['PATCH', '/nope', 'https://a.example']
    ]
    const seen: string[] = []
    for (const [method, url, origin] of cases) {
      const answer = await app.inject({ method: method as 'OPTIONS', url, headers: origin === undefined ? {} : { origin } })
      seen.push(`${method} ${url} ${origin ?? '(no Origin)'}: ${answer.statusCode}${answer.statusCode === 403 ? ` ${answer.body}` : ''}`)
    }
    await app.close()
    return seen
  }
  t.same(await answers(undefined), [
    'OPTIONS /mine https://a.example: 200',
    'OPTIONS /mine (no Origin): 200',
    'OPTIONS /x https://a.example: 404',
    'OPTIONS /mine https://evil.example: 403 CORS request refused: origin-not-allowed',
    'PATCH /nope https://a.example: 404'
  ], 'your OPTIONS route, or 404; a refused origin: 403')
  t.same(await answers(['GET', 'POST']), [
    'OPTIONS /mine https://a.example: 403 CORS request refused: method-not-allowed',
    'OPTIONS /mine (no Origin): 200',
    'OPTIONS /x https://a.example: 403 CORS request refused: method-not-allowed',
    'OPTIONS /mine https://evil.example: 403 CORS request refused: origin-not-allowed',
    'PATCH /nope https://a.example: 403 CORS request refused: method-not-allowed'
  ], 'an explicit methods list without OPTIONS or PATCH: 403 method-not-allowed')
})
