// Starts the demo: the API (demo/api.js) on one loopback port and the page
// (demo/page/) on another, so that the page and the API are different origins.
// The page server also answers /log?trace=N with what the API logged for the
// requests the page tagged with ?trace=N: their status and the CORS reason
// the plugin logged (at debug level, as `corsReason`) when it refused one.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { buildApi } from './api.js'

/** Loopback only: the demo is never reachable from the network. */
export const HOST = '127.0.0.1'

const PAGE_FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8']
}

/**
 * Keeps what the API's logger wrote about each request, by request id: the
 * method and URL (from "incoming request"), the status (from "request
 * completed") and the CORS refusal, if any. Pino writes one JSON line per call.
 */
export function createLogCollector ({ limit = 500, onComplete = () => {}, onRefusal = () => {} } = {}) {
  const requests = new Map()
  const write = (line) => {
    const entry = JSON.parse(line)
    if (entry.msg === 'incoming request') {
      const url = new URL(entry.req.url, 'http://api.invalid')
      requests.set(entry.reqId, { trace: url.searchParams.get('trace'), method: entry.req.method, path: url.pathname, status: null, corsReason: null, message: null })
      if (requests.size > limit) requests.delete(requests.keys().next().value)
      return
    }
    const record = requests.get(entry.reqId)
    if (record === undefined) return
    if (entry.corsReason !== undefined) {
      record.corsReason = entry.corsReason
      record.message = entry.msg
      onRefusal(record)
    } else if (entry.msg === 'request completed') {
      record.status = entry.res.statusCode
      onComplete(record)
    }
  }
  return {
    stream: { write },
    /** The requests tagged ?trace=`trace`, oldest first. */
    trace: (trace) => [...requests.values()].filter(record => record.trace === trace)
  }
}

/**
 * @param corsPlugin the plugin: the built package (npm run demo) or the TypeScript source (tests)
 * @param options ports (0: any free port) and callbacks called for each completed request and each refusal
 */
export async function startDemo (corsPlugin, { apiPort = 3001, pagePort = 3000, onComplete, onRefusal } = {}) {
  const log = createLogCollector({ onComplete, onRefusal })
  const api = await buildApi(corsPlugin, { logger: { level: 'debug', stream: log.stream } })
  await api.listen({ host: HOST, port: apiPort })
  const apiUrl = `http://${HOST}:${api.server.address().port}`

  const pages = Fastify()
  const pageDir = new URL('./page/', import.meta.url)
  for (const [path, [file, type]] of Object.entries(PAGE_FILES)) {
    const body = readFileSync(new URL(file, pageDir))
    pages.get(path, (request, reply) => reply.type(type).send(body))
  }
  pages.get('/config.json', async () => ({ api: apiUrl }))
  pages.get('/log', async (request) => log.trace(String(request.query.trace)))
  await pages.listen({ host: HOST, port: pagePort })
  const pageUrl = `http://${HOST}:${pages.server.address().port}`

  return {
    apiUrl,
    pageUrl,
    // Every API route with the CORS policy it really has.
    routes: api.cors.printRoutes(),
    async close () {
      await pages.close()
      await api.close()
    }
  }
}
