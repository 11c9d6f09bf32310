// `npm run compat`: runs @fastify/cors's own test files (shipped in its npm
// package) against this plugin and prints each test's result. Their
// `require('..')` is pointed at a CommonJS build of this package, in a
// temporary copy under .tmp/compat. Every failure must be explained in
// scripts/compat-explained.json (and, row by row, in the README's migration
// table); a failure that is not is printed as UNDOCUMENTED and fails the run.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const work = join(root, '.tmp', 'compat')
const require = createRequire(import.meta.url)
const theirs = dirname(require.resolve('@fastify/cors/package.json'))
const version = JSON.parse(readFileSync(join(theirs, 'package.json'), 'utf8')).version
// vary.test.js unit-tests @fastify/cors's internal vary helper (require('../vary')), not the plugin.
const FILES = ['cors.test.js', 'preflight.test.js', 'hooks.test.js']
const { rows, tests: explained } = JSON.parse(readFileSync(join(import.meta.dirname, 'compat-explained.json'), 'utf8'))

rmSync(work, { recursive: true, force: true })
mkdirSync(join(work, 'package', 'test'), { recursive: true })
// A CommonJS build of the sources, apart from dist/ (which npm pack and the tests rebuild).
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.cjs.json'), '--outDir', join(work, 'build')], { stdio: 'inherit' })
writeFileSync(join(work, 'build', 'package.json'), JSON.stringify({ type: 'commonjs' }))
writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: 'compat', type: 'commonjs', main: 'index.js' }))
writeFileSync(join(work, 'package', 'index.js'), "module.exports = require('../build/index.js')\n")
for (const file of FILES) cpSync(join(theirs, 'test', file), join(work, 'package', 'test', file))

const results = []
for (const file of FILES) {
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(work, 'package', 'test', file)], { cwd: join(work, 'package'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  // Top-level results only (indentation 0): "ok 3 - name" / "not ok 4 - name".
  for (const line of run.stdout.split('\n')) {
    const match = /^(not ok|ok) \d+ - (.*?)(?: # .*)?$/.exec(line)
    if (match !== null) results.push({ file, name: match[2], pass: match[1] === 'ok' })
  }
}

let undocumented = 0
const byCategory = {}
for (const result of results) {
  if (result.pass) {
    console.log(`  pass  ${result.file}: ${result.name}`)
    continue
  }
  const why = explained[`${result.file}: ${result.name}`]
  if (why === undefined) {
    undocumented++
    console.log(`  FAIL  ${result.file}: ${result.name}\n        UNDOCUMENTED: add it to scripts/compat-explained.json and the README's migration table`)
  } else {
    for (const row of why.rows) byCategory[row] = (byCategory[row] ?? 0) + 1
    console.log(`  fail  ${result.file}: ${result.name}\n        explained: ${why.rows.map(row => `${row} (${rows[row]})`).join('; ')}`)
  }
}
const passed = results.filter(result => result.pass).length
// An explanation for a test that now passes is stale: say so, so that the table is kept true.
const stale = results.filter(result => result.pass && explained[`${result.file}: ${result.name}`] !== undefined)
for (const result of stale) console.log(`  stale explanation (the test passes now): ${result.file}: ${result.name}`)
console.log(`\n@fastify/cors ${version} test suite (${FILES.join(', ')}) against fastify-cors-exact:`)
console.log(`${results.length} tests: ${passed} passed, ${results.length - passed} failed (${results.length - passed - undocumented} explained, ${undocumented} undocumented)`)
console.log('failures per migration-table row (README; a test can have several causes):')
for (const [row, count] of Object.entries(byCategory).sort((a, b) => b[1] - a[1])) console.log(`  ${row.padEnd(4)} ${String(count).padStart(3)}  ${rows[row]}`)
if (results.length === 0) {
  console.log('no test results were read')
  process.exitCode = 1
}
if (undocumented > 0) process.exitCode = 1
