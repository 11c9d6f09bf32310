// @fastify/multipart and @fastify/formbody beside the plugin, in both orders:
// `multipart/form-data` and `application/x-www-form-urlencoded` are
// CORS-safelisted, so a page's form POST (or fetch with FormData or
// URLSearchParams) is sent without a preflight, from any origin. An allowed
// page reads the answer; a refused one cannot read it, but its POST reaches
// the handler (CORS protects responses, not the server) unless
// `rejectDisallowed` refuses it with 403 before the body is parsed.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import multipart from '@fastify/multipart'
import formbody from '@fastify/formbody'
import cors, { type CorsOptions } from '../../index.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const ORDERS = ['parsers first', 'plugin first'] as const
const ORIGINS = { origin: [APP, 'https://admin.example.com'] }
const BOUNDARY = 'x-interop-boundary'
const MULTIPART = [`--${BOUNDARY}`, 'Content-Disposition: form-data; name="title"', '', 'hello', `--${BOUNDARY}--`, ''].join('\r\n')

interface FormApp { app: FastifyInstance, handled: string[] }

async function formApp (order: typeof ORDERS[number], options: CorsOptions): Promise<FormApp> {
  const app = Fastify()
  async function parsers (): Promise<void> {
    await app.register(multipart, { attachFieldsToBody: 'keyValues' })
    await app.register(formbody)
  }
  if (order === 'parsers first') await parsers()
  await app.register(cors, options)
  if (order === 'plugin first') await parsers()
  const handled: string[] = []
  app.post<{ Body: { title: string } }>('/notes', async (request) => {
    handled.push(`${String(request.headers.origin)} ${request.body.title}`)
    return { saved: request.body.title }
  })
  await app.ready()
  return { app, handled }
}

function post (app: FastifyInstance, origin: string, kind: 'multipart' | 'form'): ReturnType<FastifyInstance['inject']> {
  return kind === 'multipart'
    ? app.inject({ method: 'POST', url: '/notes', headers: { origin, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload: MULTIPART })
    : app.inject({ method: 'POST', url: '/notes', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'title=hello' })
}

for (const order of ORDERS) {
  t.test(`${order}: safelisted bodies are parsed; the allowed page reads the answer, a refused one does not`, async t => {
    const { app, handled } = await formApp(order, ORIGINS)
    t.teardown(() => app.close())
    for (const kind of ['multipart', 'form'] as const) {
      const allowed = await post(app, APP, kind)
      t.equal(allowed.statusCode, 200, kind)
      t.same(allowed.json(), { saved: 'hello' })
      t.same(corsView(allowed), { 'access-control-allow-origin': APP, vary: 'Origin' })
      const refused = await post(app, EVIL, kind)
      t.equal(refused.statusCode, 200, `${kind}: a refused origin's safelisted POST reaches the handler`)
      t.same(corsView(refused), { vary: 'Origin' }, 'but its page cannot read the answer')
    }
    t.same(handled, [`${APP} hello`, `${EVIL} hello`, `${APP} hello`, `${EVIL} hello`])
  })

  t.test(`${order}: rejectDisallowed stops a refused origin's form POST before its handler`, async t => {
    const { app, handled } = await formApp(order, { ...ORIGINS, rejectDisallowed: true })
    t.teardown(() => app.close())
    for (const kind of ['multipart', 'form'] as const) {
      t.equal((await post(app, APP, kind)).statusCode, 200)
      const refused = await post(app, EVIL, kind)
      t.equal(refused.statusCode, 403, kind)
    }
    t.same(handled, [`${APP} hello`, `${APP} hello`], 'the handler ran for the allowed origin only')
  })
}
