// What installing the plugin costs: `npm pack`, then three fresh installs in
// temporary folders — fastify alone, fastify with @fastify/cors, fastify with
// this package's tarball — and the size of each node_modules, files only.
// Prints one JSON line; exits 1 when the plugin adds more than the budget.
//
//   npm run size                      (packs, installs, measures)
//   node scripts/size.js --budget-mb 10
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, lstatSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const budgetIndex = process.argv.indexOf('--budget-mb')
const budgetMb = budgetIndex === -1 ? 10 : Number(process.argv[budgetIndex + 1])
const work = join(root, '.tmp', `size-${process.pid}`)
const MB = 1024 * 1024

function run (command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } })
}

/** Bytes of every file under a folder (symlinks not followed), as `du --apparent-size` counts them. */
function bytes (path) {
  const stat = lstatSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((total, name) => total + bytes(join(path, name)), 0)
}

function install (name, dependencies) {
  const dir = join(work, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `size-${name}`, private: true, dependencies }))
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts'], dir)
  return bytes(join(dir, 'node_modules'))
}

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
try {
  const [{ filename }] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root))
  const fastify = run('node', ['-p', "require('./package.json').devDependencies.fastify"], root).trim()
  const fastifyCors = run('node', ['-p', "require('./package.json').devDependencies['@fastify/cors']"], root).trim()
  const base = install('fastify', { fastify })
  const withCors = install('fastify-cors', { fastify, '@fastify/cors': fastifyCors })
  const withOurs = install('fastify-cors-exact', { fastify, 'fastify-cors-exact': `file:${join(work, filename)}` })
  const report = {
    fastifyMb: +(base / MB).toFixed(1),
    withFastifyCorsMb: +(withCors / MB).toFixed(1),
    withThisPluginMb: +(withOurs / MB).toFixed(1),
    fastifyCorsAddsMb: +((withCors - base) / MB).toFixed(1),
    thisPluginAddsMb: +((withOurs - base) / MB).toFixed(1),
    budgetMb
  }
  process.stdout.write(JSON.stringify(report) + '\n')
  process.exitCode = withOurs - base <= budgetMb * MB ? 0 : 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
