// refa and scslre, required on demand: present when asked for, loaded only
// when a RegExp origin is configured.
import { test } from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import libraries from '../../lib/config/regexp-libraries.cjs'

const run = promisify(execFile)

test('the loaders hand back the libraries the RegExp analysis uses', async t => {
  const refa = libraries.loadRefa()
  t.type(refa.JS.Parser.fromLiteral, 'function', 'refa parses RegExp literals')
  t.type(refa.NFA.fromRegex, 'function', 'and builds automata')
  t.type(libraries.loadScslre().analyse, 'function', 'scslre analyses backtracking')
  t.equal(libraries.loadRefa(), refa, 'loaded once: the same module every time')
})

test('refa and scslre are loaded only when a RegExp origin is configured, and nothing is left running after close (child process)', async t => {
  const fixture = fileURLToPath(new URL('../fixtures/regexp-libraries-footprint.ts', import.meta.url))
  const loader = new URL('../../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url).href
  const { stdout } = await run(process.execPath, ['--import', loader, fixture], { timeout: 180_000 })
  const result = JSON.parse(stdout) as { afterStrings: boolean, afterRegExps: boolean, childrenWhileOpen: string[], childrenAfterClose: string[] }
  t.equal(result.afterStrings, false, 'not loaded for origin strings')
  t.equal(result.afterRegExps, true, 'loaded for a RegExp')
  t.same(result.childrenWhileOpen, [])
  t.same(result.childrenAfterClose, [])
})
