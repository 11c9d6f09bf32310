// @fastify/static beside the plugin: its files are served by a wildcard
// route (`GET /public/*`, or one route per file with `wildcard: false`),
// which the plugin governs like any other route, in either order. Assets that
// should be public to every origin get a scope of their own.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { fileURLToPath } from 'node:url'
import cors from '../../index.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const ROOT = fileURLToPath(new URL('./fixtures/public/', import.meta.url))
const OPTIONS = { origin: [APP, 'https://admin.example.com'] }
const SETUPS = ['static first', 'plugin first', 'plugin first, wildcard: false'] as const

async function staticApp (setup: typeof SETUPS[number]): Promise<FastifyInstance> {
  const app = Fastify()
  const files = { root: ROOT, prefix: '/public/', wildcard: setup !== 'plugin first, wildcard: false' }
  if (setup === 'static first') await app.register(fastifyStatic, files)
  await app.register(cors, OPTIONS)
  if (setup !== 'static first') await app.register(fastifyStatic, files)
  await app.ready()
  return app
}

for (const setup of SETUPS) {
  t.test(`${setup}: files, their preflights and 404s carry the plugin's answer`, async t => {
    const app = await staticApp(setup)
    t.teardown(() => app.close())
    const file = await app.inject({ url: '/public/hello.txt', headers: { origin: APP } })
    t.equal(file.statusCode, 200)
    t.equal(file.body, 'hello from a static file\n')
    t.same(corsView(file), { 'access-control-allow-origin': APP, vary: 'Origin' })

    const preflight = await app.inject({ method: 'OPTIONS', url: '/public/hello.txt', headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-requested-with' } })
    t.equal(preflight.statusCode, 204)
    t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'x-requested-with' })

    const missing = await app.inject({ url: '/public/missing.txt', headers: { origin: APP } })
    t.equal(missing.statusCode, 404)
    t.same(corsView(missing), { 'access-control-allow-origin': APP, vary: 'Origin' }, 'the page reads the 404')

    const refused = await app.inject({ url: '/public/hello.txt', headers: { origin: EVIL } })
    t.equal(refused.statusCode, 200)
    t.same(corsView(refused), { vary: 'Origin' })
  })
}

t.test('assets public to every origin, beside a restricted API: a scope each', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (assets) => {
    await assets.register(cors, { origin: '*' })
    await assets.register(fastifyStatic, { root: ROOT, prefix: '/public/' })
  })
  await app.register(async (api) => {
    await api.register(cors, { origin: APP, credentials: true })
    api.get('/api/me', async () => ({ user: 'ada' }))
  })
  await app.ready()
  t.same(corsView(await app.inject({ url: '/public/hello.txt', headers: { origin: EVIL } })), { 'access-control-allow-origin': '*' })
  t.same(corsView(await app.inject({ url: '/api/me', headers: { origin: APP } })), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/me', headers: { origin: EVIL, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  t.equal(preflight.statusCode, 403, 'the API\'s policy, not the assets\'')
})
