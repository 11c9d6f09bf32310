// The API of the browser suite's scenarios: a Fastify app with the plugin
// (TypeScript source) and a debug-level logger captured in memory, so that a
// scenario can assert what the plugin logged about each request.
import Fastify, { type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import cors from '../../../index.js'
import type { CorsOptions } from '../../../index.js'
import { TIMEOUT } from './engine.js'

/**
 * The user agent of the MiniBrowser that replays a request to read WebKit's
 * console message: the API leaves its requests out of what it recorded, so
 * that a replay never changes a count or a log the test asserts.
 */
export const REPLAY_USER_AGENT = 'fastify-cors-exact-replay'

/** What the API's logger said about one request. */
export interface LoggedRequest {
  readonly id: string
  readonly method: string
  readonly url: string
  status: number | undefined
  /** The `corsReason` of each line the plugin logged for this request, in order. */
  readonly reasons: string[]
  /** Those lines' messages, e.g. `CORS preflight refused: ...` or `CORS request refused: ...`. */
  readonly messages: string[]
}

export interface Api {
  readonly app: FastifyInstance
  /** `http://<host>:<port>` */
  readonly origin: string
  url (path: string): string
  /** Every request the API received (but replays, see REPLAY_USER_AGENT), in order, as its logger saw them. */
  readonly requests: LoggedRequest[]
  /** How many requests with this method (and path, without the query) the API received. */
  count (method: string, path?: string): number
  /** The refusals the plugin logged. */
  refusals (): LoggedRequest[]
  /**
   * The requests, once each has its status: "request completed" is logged
   * when the response is sent, which may be just after the browser has it.
   */
  settled (): Promise<LoggedRequest[]>
  close (): Promise<void>
}

export interface ApiOptions {
  /** Host name of the API's origin. Default api.example.localhost. */
  host?: string
  /** Port to listen on; default any free one. */
  port?: number
  /** Called after the plugin is registered, before `ready()`. */
  routes?: (app: FastifyInstance) => void | Promise<void>
}

/** A Fastify app with the plugin (TypeScript source), a debug-level logger captured in memory, listening on 127.0.0.1. */
export async function startApi (options: CorsOptions | undefined, { host = 'api.example.localhost', port = 0, routes }: ApiOptions = {}): Promise<Api> {
  const requests: LoggedRequest[] = []
  const byId = new Map<string, LoggedRequest>()
  const stream = {
    write (line: string): void {
      const entry = JSON.parse(line)
      if (entry.msg === 'incoming request') {
        if (entry.req.userAgent === REPLAY_USER_AGENT) return
        const request: LoggedRequest = { id: entry.reqId, method: entry.req.method, url: entry.req.url, status: undefined, reasons: [], messages: [] }
        requests.push(request)
        byId.set(request.id, request)
        return
      }
      const request = byId.get(entry.reqId)
      if (request === undefined) return
      if (typeof entry.corsReason === 'string') {
        request.reasons.push(entry.corsReason)
        request.messages.push(entry.msg)
      }
      if (entry.msg === 'request completed') request.status = entry.res.statusCode
    }
  }
  const app = Fastify({
    logger: {
      level: 'debug',
      stream,
      serializers: { req: (request) => ({ method: request.method, url: request.url, userAgent: request.headers['user-agent'] }) }
    }
  })
  await app.register(cors, options ?? {})
  if (routes !== undefined) await routes(app)
  await app.listen({ host: '127.0.0.1', port })
  const origin = `http://${host}:${(app.server.address() as AddressInfo).port}`
  return {
    app,
    origin,
    url: (path) => origin + path,
    requests,
    count: (method, path) => requests.filter(r => r.method === method && (path === undefined || r.url.split('?')[0] === path)).length,
    refusals: () => requests.filter(r => r.reasons.length > 0),
    async settled () {
      const deadline = Date.now() + TIMEOUT
      while (requests.some(r => r.status === undefined) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
      return requests
    },
    close: () => app.close()
  }
}
