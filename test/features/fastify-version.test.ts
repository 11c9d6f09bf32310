// The fixture that tells the tests which Fastify they run against (the matrix
// in .ci/run installs others): its answers for the versions on either side of
// each change, whichever Fastify is installed here.
import { test } from 'tap'
import Fastify from 'fastify'
import { readFileSync } from 'node:fs'
import { corsPlugin } from '../../index.js'
import { FASTIFY_VERSION, fastifyAtLeast, tooLongParamStatus, withRouterOptions } from '../fixtures/fastify-version.js'

test('version comparison, and what each version changes', async t => {
  t.equal(Fastify().version, FASTIFY_VERSION, "the installed Fastify's own version")
  t.ok(fastifyAtLeast('5.5.0', '5.5.0'))
  t.ok(fastifyAtLeast('5.5.0', '5.12.8'))
  t.notOk(fastifyAtLeast('5.5.0', '5.4.9'))
  t.ok(fastifyAtLeast('5.9.0', '6.0.0-alpha.4'), 'a pre-release of the next major')
  t.equal(tooLongParamStatus('5.8.5'), 404)
  t.equal(tooLongParamStatus('5.9.0'), 414)
  t.same(withRouterOptions({ caseSensitive: false }, { logger: false }, true), { logger: false, routerOptions: { caseSensitive: false } })
  t.same(withRouterOptions({ caseSensitive: false }, {}, false), { caseSensitive: false })
})

test('a Fastify outside the peer range refuses the plugin at registration, naming both versions', async t => {
  const { peerDependencies } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { peerDependencies: { fastify: string } }
  t.equal((corsPlugin as unknown as Record<symbol, { fastify: string }>)[Symbol.for('plugin-meta')].fastify, peerDependencies.fastify, "the plugin's metadata says the peer range")
  for (const [version, refused] of [['5.11.0', true], ['5.0.0', true], ['4.29.1', true], [FASTIFY_VERSION, false], ['6.0.0-alpha.4', false]] as const) {
    const app = Fastify()
    Object.defineProperty(app, 'version', { get: () => version, configurable: true })
    app.register(corsPlugin, { origin: 'https://a.example' })
    if (refused) {
      await t.rejects(app.ready(), { code: 'FST_ERR_PLUGIN_VERSION_MISMATCH', message: new RegExp(`fastify-cors-exact - expected '\\${peerDependencies.fastify}' fastify version, '${version.replaceAll('.', '\\.')}' is installed`) }, version)
    } else {
      await t.resolves(app.ready(), `${version}: loaded`)
    }
    await app.close()
  }
})
