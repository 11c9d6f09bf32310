// @fastify/websocket beside the plugin. Browsers do not apply CORS to
// WebSockets: any page may open one to any server, sending its Origin, and
// read what comes back. The handshake is a GET that runs the app's onRequest
// hooks, so the plugin sees it: with its default options it lets every origin
// through (as for any GET), and with `rejectDisallowed: true` (the scope's,
// or the socket route's `config.cors`) it answers 403 to a refused origin's
// handshake, which is the check against cross-site WebSocket hijacking.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import cors, { type CorsOptions } from '../../index.js'
import { APP, EVIL } from './fixtures/interop.js'

const ORIGINS = { origin: [APP, 'https://admin.example.com'] }
const ORDERS = ['websocket first', 'plugin first'] as const

async function socketApp (order: typeof ORDERS[number], options: CorsOptions, route: { cors?: CorsOptions } = {}): Promise<FastifyInstance> {
  const app = Fastify()
  if (order === 'websocket first') await app.register(websocket)
  await app.register(cors, options)
  if (order === 'plugin first') await app.register(websocket)
  app.get('/live', { websocket: true, config: route }, (socket, request) => { socket.send(`hello ${String(request.headers.origin)}`) })
  await app.ready()
  return app
}

/** Opens a socket from `origin` and returns its first message, or the handshake's error. */
async function firstMessage (app: FastifyInstance, origin: string): Promise<string> {
  let message: Promise<string> | undefined
  try {
    // Listens from the start: the server sends its message as soon as the socket opens.
    const socket = await app.injectWS('/live', { headers: { origin } }, {
      onInit: (client) => { message = new Promise(resolve => client.once('message', data => resolve(String(data)))) }
    })
    const first = await message
    socket.terminate()
    return String(first)
  } catch (error) {
    return (error as Error).message
  }
}

for (const order of ORDERS) {
  t.test(`${order}: without rejectDisallowed, every origin opens the socket (CORS does not apply to WebSockets)`, async t => {
    const app = await socketApp(order, ORIGINS)
    t.teardown(() => app.close())
    t.equal(await firstMessage(app, APP), `hello ${APP}`)
    t.equal(await firstMessage(app, EVIL), `hello ${EVIL}`, 'a refused origin too')
  })

  t.test(`${order}: rejectDisallowed refuses a refused origin's handshake with 403`, async t => {
    const app = await socketApp(order, { ...ORIGINS, rejectDisallowed: true })
    t.teardown(() => app.close())
    t.equal(await firstMessage(app, APP), `hello ${APP}`)
    t.equal(await firstMessage(app, EVIL), 'Unexpected server response: 403')
  })
}

t.test('rejectDisallowed on the socket route alone', async t => {
  const app = await socketApp('websocket first', ORIGINS, { cors: { rejectDisallowed: true } })
  t.teardown(() => app.close())
  t.equal(await firstMessage(app, APP), `hello ${APP}`)
  t.equal(await firstMessage(app, EVIL), 'Unexpected server response: 403')
})
