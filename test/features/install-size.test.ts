// Issue 15: a light install. The packages this plugin brings beside fastify,
// measured offline from the dependency closure in this repository's
// node_modules (what a fresh install resolves to, give or take hoisting).
// `npm run size` measures real fresh installs beside @fastify/cors.
import { test } from 'tap'
import { lstatSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const MB = 1024 * 1024

function manifest (dir: string): { dependencies?: Record<string, string>, optionalDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
}

/** Where Node would find a package required from `from`: its own node_modules, then each parent's. */
function locate (name: string, from: string): string {
  for (let dir = from; ; dir = resolve(dir, '..')) {
    const candidate = join(dir, 'node_modules', name)
    try {
      lstatSync(join(candidate, 'package.json'))
      return candidate
    } catch {}
    if (dir === root) throw new Error(`${name} not installed (from ${from})`)
  }
}

/** Every package directory a package pulls in at run time (dependencies and optional ones, recursively). */
function closure (dir: string, into = new Set<string>()): Set<string> {
  const { dependencies = {}, optionalDependencies = {} } = manifest(dir)
  for (const name of Object.keys({ ...dependencies, ...optionalDependencies })) {
    const found = locate(name, dir)
    if (!into.has(found)) {
      into.add(found)
      closure(found, into)
    }
  }
  return into
}

/** Bytes of a package's files, without the packages nested in its own node_modules (counted on their own). */
function bytes (path: string, top = true): number {
  const stat = lstatSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).filter(name => !(top && name === 'node_modules')).reduce((total, name) => total + bytes(join(path, name), false), 0)
}

test('beside fastify, the plugin adds at most 10 MB of packages, and none of recheck\'s native or JVM backends', async t => {
  const fastify = closure(locate('fastify', root))
  fastify.add(locate('fastify', root))
  const ours = [...closure(root)].filter(dir => !fastify.has(dir) && !dir.endsWith('/node_modules/fastify'))
  const added = ours.reduce((total, dir) => total + bytes(dir), 0)
  t.comment(`the plugin's own dependencies add ${(added / MB).toFixed(1)} MB: ${ours.map(dir => dir.slice(dir.lastIndexOf('node_modules/') + 13)).sort().join(', ')}`)
  t.ok(added <= 10 * MB, `${(added / MB).toFixed(1)} MB added`)
  for (const heavy of ['recheck', 'recheck-jar', 'recheck-linux-x64']) t.notOk(ours.some(dir => dir.endsWith(`/node_modules/${heavy}`)), `no ${heavy}`)
})
