// `npm run compat` as a test: @fastify/cors's own test suite against this
// plugin, where every failure must be explained (scripts/compat-explained.json,
// the README's migration table). A new, unexplained difference fails here.
import { test } from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')

test("@fastify/cors's test suite: every failure is a documented difference", async t => {
  // Without coverage (tap's processinfo reads this): the run covers a temporary build and @fastify/cors's tests, not lib/.
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  const run = spawnSync(process.execPath, [resolve(root, 'scripts', 'compat.js')], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  t.equal(run.status, 0, run.stdout.split('\n').filter(line => /UNDOCUMENTED|^\S/.test(line)).join('\n'))
  const summary = /(\d+) tests: (\d+) passed, (\d+) failed \((\d+) explained, (\d+) undocumented\)/.exec(run.stdout)
  t.ok(summary, 'prints a summary')
  const [, total, passed, failed, explained, undocumented] = (summary ?? []).map(Number)
  t.ok(total >= 60, `runs the whole suite (${total} tests)`)
  t.equal(passed + failed, total)
  t.equal(undocumented, 0)
  t.equal(explained, failed)
  // Every row an explanation cites is in the README's migration table.
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8')
  const { rows } = JSON.parse(readFileSync(resolve(root, 'scripts', 'compat-explained.json'), 'utf8')) as { rows: Record<string, string> }
  for (const row of Object.keys(rows)) t.match(readme, `(**${row}**)`, `${row} is in the migration table`)
  // The README's "Latest run" block is what this run printed, from the totals on.
  const version = /@fastify\/cors (\S+) test suite/.exec(run.stdout)?.[1]
  const block = /Latest run, `@fastify\/cors` (\S+):\n\n```\n([\s\S]*?)\n```/.exec(readme)
  t.equal(block?.[1], version, "the README's block is of the @fastify/cors version installed")
  t.equal(block?.[2], run.stdout.slice(run.stdout.search(/^\d+ tests: /m)).trimEnd(), "the README's block is what npm run compat prints")
})
