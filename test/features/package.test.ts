// The packed tarball, as a user gets it: types that resolve correctly
// (@arethetypeswrong/cli, publint), and a consumer project that imports it
// from ESM and requires it from CommonJS, at run time and in TypeScript.
import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const run = (command: string, args: string[], cwd = root): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } })
const bin = (name: string): string => join(root, 'node_modules', '.bin', name)

test('the packed package', async t => {
  const work = join(root, '.tmp', `package-${process.pid}`)
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  t.teardown(() => rmSync(work, { recursive: true, force: true }))

  // npm pack runs prepack, which builds dist/ for both module systems.
  const [{ filename, files }] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work])) as Array<{ filename: string, files: Array<{ path: string }> }>
  const tarball = join(work, filename)
  const paths = files.map(file => file.path)
  t.ok(paths.includes('dist/esm/index.js') && paths.includes('dist/cjs/index.js') && paths.includes('dist/cjs/index.d.ts'), 'ships both builds with types')
  t.notOk(paths.some(path => path.startsWith('test/') || path.startsWith('lib/')), 'ships no sources or tests')
  t.ok(paths.includes('LICENSE'), 'ships the MIT LICENSE that package.json names')

  t.test('@arethetypeswrong/cli finds no problem', async t => {
    t.doesNotThrow(() => run(bin('attw'), [tarball, '--format', 'ascii']))
  })
  t.test('publint finds no problem', async t => {
    t.doesNotThrow(() => run(bin('publint'), ['run', '--strict', root]))
  })

  const consumer = join(work, 'consumer')
  const installed = join(consumer, 'node_modules', 'fastify-cors-exact')
  mkdirSync(installed, { recursive: true })
  run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'])
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }))
  const app = (load: string): string => `${load}
const app = Fastify()
// A RegExp origin: refa and scslre are then required lazily, which must work from both builds.
app.register(cors, { origin: [/^https:\\/\\/a\\.com$/, 'https://b.com'] })
app.get('/', async () => 'ok')
app.inject({ url: '/', headers: { origin: 'https://a.com' } }).then(r => console.log(r.headers['access-control-allow-origin']))
`
  writeFileSync(join(consumer, 'esm.mjs'), app("import Fastify from 'fastify'\nimport cors from 'fastify-cors-exact'"))
  writeFileSync(join(consumer, 'cjs.cjs'), app("const Fastify = require('fastify')\nconst { corsPlugin: cors } = require('fastify-cors-exact')"))
  writeFileSync(join(consumer, 'cjs-default.cjs'), app("const Fastify = require('fastify')\nconst cors = require('fastify-cors-exact')"))

  t.test('imported from ESM and required from CommonJS, it works', async t => {
    for (const file of ['esm.mjs', 'cjs.cjs', 'cjs-default.cjs']) {
      t.equal(run(process.execPath, [file], consumer).trim(), 'https://a.com', file)
    }
    writeFileSync(join(consumer, 'shape.cjs'), "const cors = require('fastify-cors-exact')\nconsole.log([typeof cors, cors.default === cors, cors.corsPlugin === cors, typeof cors.ERROR_CODES, typeof cors.REFUSAL_CHANNEL].join(' '))\n")
    t.equal(run(process.execPath, ['shape.cjs'], consumer).trim(), 'function true true object string', 'require() returns the plugin, with the named exports as properties')
  })

  t.test('TypeScript consumers in both module systems type-check', async t => {
    const usage = (imports: string) => `${imports}
import Fastify from 'fastify'
const app = Fastify()
app.register(cors, { origin: 'https://a.com', maxAge: 60 })
app.get('/', { config: { cors: { credentials: false } } }, async () => 'ok')
const options: CorsOptions = { origin: true }
export { options }
`
    writeFileSync(join(consumer, 'esm.mts'), usage("import cors, { type CorsOptions } from 'fastify-cors-exact'"))
    writeFileSync(join(consumer, 'cjs.cts'), usage("import { corsPlugin as cors, type CorsOptions } from 'fastify-cors-exact'"))
    // TypeScript's own CommonJS form: the module is the plugin (it was a module object: TS2769).
    writeFileSync(join(consumer, 'cjs-require.cts'), usage("import cors = require('fastify-cors-exact')\ntype CorsOptions = cors.CorsOptions\nconst { corsPlugin, ERROR_CODES, REFUSAL_CHANNEL } = cors\nexport const same: typeof cors.default = corsPlugin\nexport { ERROR_CODES, REFUSAL_CHANNEL }"))
    writeFileSync(join(consumer, 'cjs-default.cts'), usage("import cors from 'fastify-cors-exact'\nimport type { CorsOptions, RouteCorsOptions, RefusalMessage } from 'fastify-cors-exact'\nexport type Used = [RouteCorsOptions, RefusalMessage]"))
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['esm.mts', 'cjs.cts', 'cjs-require.cts', 'cjs-default.cts']
    }))
    t.doesNotThrow(() => run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer]))
    // One compiler run for both misuses: each must fail, naming the option.
    writeFileSync(join(consumer, 'bad.mts'), "import cors from 'fastify-cors-exact'\nimport Fastify from 'fastify'\nFastify().register(cors, { maxAge: 'x' })\n")
    writeFileSync(join(consumer, 'bad.cts'), "import cors = require('fastify-cors-exact')\nimport Fastify = require('fastify')\nFastify().register(cors, { maxAge: 'x' })\n")
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['bad.mts', 'bad.cts']
    }))
    let output = ''
    try {
      run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer])
    } catch (error) {
      output = (error as { stdout: string }).stdout
    }
    for (const file of ['bad.mts', 'bad.cts']) {
      t.match(output, new RegExp(`${file.replace('.', '\\.')}\\(3,\\d+\\): error TS2769`), `misuse fails to compile (${file})`)
    }
  })
})
