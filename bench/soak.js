// `npm run soak` (builds first): the built plugin under a long mixed load.
//
// A server child process (this file with the argument `server`) runs Fastify
// with fastify-cors-exact, imported as a consumer would ('fastify-cors-exact'
// resolves to dist/ after `npm run build`), on 127.0.0.1. This process drives
// it with autocannon: allowed and disallowed actual requests, preflights
// granted and refused, malformed, non-ASCII and oversized Origin and
// Access-Control-Request-Headers, 404s and a route with rejectDisallowed, all
// interleaved on every connection. Every response is checked against what its
// template expects (status, Access-Control-Allow-Origin). The server reports its
// memory over IPC (after a forced GC) after warm-up and at intervals.
//
// Exits non-zero on any 5xx, socket error, timeout, unexpected answer, on
// fewer requests than asked for, or when memory grows past the bounds below.
//
//   SOAK_REQUESTS      measured requests            default 1000000
//   SOAK_WARMUP        warm-up requests             default 100000
//   SOAK_CONNECTIONS   autocannon connections       default 32
//   SOAK_MAX_SECONDS   time cap of the measured run default 600
//   SOAK_SAMPLE_MS     memory sampling interval     default 5000
//
// Header values stay under Node's default maxHeaderSize (16 KiB): beyond it
// Node answers 431 and closes the connection before any plugin runs. The
// plugin's own caps (300-character Origin, 4096-character request-header list,
// 64 names) are far below, so 8 KB values exercise them.
import { fileURLToPath } from 'node:url'
import { ChildServer, integerOption, serveMeasurements } from './harness.js'

const SELF = fileURLToPath(import.meta.url)
const MiB = 1024 * 1024

// A leak of 8 bytes per request would retain 8 MB of heap over 1,000,000
// requests; V8's heap after a full GC is otherwise stable to within a few MiB.
const HEAP_GROWTH_BOUND = 8 * MiB
// RSS also holds V8's free-but-reserved pages and malloc's arenas for socket
// buffers, which move by tens of MiB under load without any leak; a leak of
// 32 bytes per request would show here too.
const RSS_GROWTH_BOUND = 32 * MiB

// ---------------------------------------------------------------------------
// The server (child process).

async function server () {
  const { default: Fastify } = await import('fastify')
  const { default: cors } = await import('fastify-cors-exact')
  const app = Fastify({ logger: false })
  await app.register(cors, {
    origin: ['https://app.example.com', 'https://*.example.org', /^https:\/\/[a-z0-9-]+\.example\.net$/, 'http://localhost:*'],
    credentials: true,
    allowedHeaders: ['content-type', 'x-api-key', 'authorization'],
    exposedHeaders: ['x-total'],
    maxAge: 600
  })
  const payload = { ok: true }
  const handler = async (_request, reply) => { reply.header('x-total', '1'); return payload }
  app.get('/api/items', handler)
  app.post('/api/items', handler)
  app.put('/api/items/:id', handler)
  app.get('/api/guarded', { config: { cors: { rejectDisallowed: true } } }, handler)
  app.get('/api/partner', { config: { cors: { origin: 'https://partner.example.com', credentials: false, allowedHeaders: '*' } } }, handler)
  app.get('/api/own', handler)
  app.options('/api/own', async () => 'own options')
  await app.listen({ host: '127.0.0.1', port: 0 })

  serveMeasurements(app, {
    memory () {
      global.gc()
      const { rss, heapUsed, heapTotal, external } = process.memoryUsage()
      return { type: 'memory', rss, heapUsed, heapTotal, external }
    }
  })
}

// ---------------------------------------------------------------------------
// The load generator (this process).

const ALLOWED = 'https://app.example.com'
const LONG_ORIGIN = 'https://' + 'a'.repeat(8000) + '.example.org'
const LONG_LIST = Array.from({ length: 1000 }, (_, i) => `x-h${i}`).join(',').slice(0, 8000)
const MANY_NAMES = Array.from({ length: 100 }, (_, i) => `x-h${i}`).join(',')

const preflightHeaders = (origin, method, requestHeaders) => ({
  origin,
  'access-control-request-method': method,
  ...(requestHeaders !== undefined ? { 'access-control-request-headers': requestHeaders } : {})
})

/**
 * Each template: the request, the status it must get, and the
 * Access-Control-Allow-Origin it must carry (undefined: none).
 */
const TEMPLATES = [
  { name: 'GET allowed (exact)', method: 'GET', path: '/api/items', headers: { origin: ALLOWED }, status: 200, allow: ALLOWED },
  { name: 'GET allowed (pattern)', method: 'GET', path: '/api/items', headers: { origin: 'https://a.b.example.org' }, status: 200, allow: 'https://a.b.example.org' },
  { name: 'GET allowed (RegExp)', method: 'GET', path: '/api/items', headers: { origin: 'https://shop-1.example.net' }, status: 200, allow: 'https://shop-1.example.net' },
  { name: 'GET allowed (any port)', method: 'GET', path: '/api/items', headers: { origin: 'http://localhost:5173' }, status: 200, allow: 'http://localhost:5173' },
  { name: 'POST allowed', method: 'POST', path: '/api/items', headers: { origin: ALLOWED, 'content-type': 'application/json' }, body: '{"a":1}', status: 200, allow: ALLOWED },
  { name: 'GET disallowed', method: 'GET', path: '/api/items', headers: { origin: 'https://evil.example.com' }, status: 200 },
  { name: 'GET suffix trick', method: 'GET', path: '/api/items', headers: { origin: 'https://app.example.com.evil.com' }, status: 200 },
  { name: 'GET without Origin', method: 'GET', path: '/api/items', headers: {}, status: 200 },
  { name: 'GET malformed Origin', method: 'GET', path: '/api/items', headers: { origin: 'HTTPS://APP.EXAMPLE.COM/' }, status: 200 },
  { name: 'GET null Origin', method: 'GET', path: '/api/items', headers: { origin: 'null' }, status: 200 },
  { name: 'GET non-ASCII Origin', method: 'GET', path: '/api/items', headers: { origin: 'https://exämple.example.org' }, status: 200 },
  { name: 'GET 8 KB Origin', method: 'GET', path: '/api/items', headers: { origin: LONG_ORIGIN }, status: 200 },
  { name: 'preflight allowed', method: 'OPTIONS', path: '/api/items/42', headers: preflightHeaders(ALLOWED, 'PUT', 'content-type,x-api-key'), status: 204, allow: ALLOWED },
  { name: 'preflight allowed (spaces, case)', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders('https://x.example.org', 'POST', ' Content-Type , X-API-Key '), status: 204, allow: 'https://x.example.org' },
  { name: 'preflight route override', method: 'OPTIONS', path: '/api/partner', headers: preflightHeaders('https://partner.example.com', 'GET', 'x-anything'), status: 204, allow: 'https://partner.example.com' },
  { name: 'preflight refused origin', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders('https://evil.example.com', 'GET'), status: 403 },
  { name: 'preflight refused header', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders(ALLOWED, 'GET', 'x-evil'), status: 403 },
  // No DELETE route at /api/items: approved with the scope's policy, so that the page reads the 404.
  { name: 'preflight for a method no route answers', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders(ALLOWED, 'DELETE'), status: 204, allow: ALLOWED },
  { name: 'preflight 8 KB header list', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders(ALLOWED, 'GET', LONG_LIST), status: 403 },
  { name: 'preflight 100 header names', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders(ALLOWED, 'GET', MANY_NAMES), status: 403 },
  { name: 'preflight malformed header list', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders(ALLOWED, 'GET', 'x-a, x b, (c)'), status: 403 },
  { name: 'preflight 8 KB Origin', method: 'OPTIONS', path: '/api/items', headers: preflightHeaders(LONG_ORIGIN, 'GET'), status: 403 },
  { name: 'rejectDisallowed refused', method: 'GET', path: '/api/guarded', headers: { origin: 'https://evil.example.com' }, status: 403 },
  { name: 'rejectDisallowed allowed', method: 'GET', path: '/api/guarded', headers: { origin: ALLOWED }, status: 200, allow: ALLOWED },
  { name: '404 with Origin', method: 'GET', path: '/nope', headers: { origin: ALLOWED }, status: 404, allow: ALLOWED },
  { name: 'plain OPTIONS (own route)', method: 'OPTIONS', path: '/api/own', headers: { origin: ALLOWED }, status: 200, allow: ALLOWED }
]

async function main () {
  const { default: autocannon } = await import('autocannon')
  const int = integerOption({}, process.env)
  const target = int(undefined, 'SOAK_REQUESTS', 1_000_000, 0, Number.MAX_SAFE_INTEGER)
  const warmup = int(undefined, 'SOAK_WARMUP', 100_000, 0, Number.MAX_SAFE_INTEGER)
  const connections = int(undefined, 'SOAK_CONNECTIONS', 32, 1, 1024)
  const maxSeconds = int(undefined, 'SOAK_MAX_SECONDS', 600, 0, Number.MAX_SAFE_INTEGER)
  const sampleMs = int(undefined, 'SOAK_SAMPLE_MS', 5000, 0, Number.MAX_SAFE_INTEGER)

  const child = new ChildServer(SELF, ['server'], { execArgv: ['--expose-gc'] })
  child.name = 'the soak server'
  let closing = false
  child.child.once('exit', code => {
    if (closing) return
    console.error(`the server exited unexpectedly (code ${code})`)
    process.exit(1)
  })
  const { port } = await child.expect('ready')
  const memory = () => child.request('memory')

  // Per template: answers that did not match what it expects.
  const wrong = new Map(TEMPLATES.map(t => [t.name, 0]))
  const examples = []
  const requests = TEMPLATES.map(template => ({
    method: template.method,
    path: template.path,
    headers: template.headers,
    ...(template.body !== undefined ? { body: template.body } : {}),
    onResponse (status, _body, _context, headers) {
      const allow = headers['access-control-allow-origin']
      if (status !== template.status || allow !== template.allow) {
        wrong.set(template.name, wrong.get(template.name) + 1)
        if (wrong.get(template.name) === 1) examples.push(`${template.name}: got ${status} ${String(allow)}, expected ${template.status} ${String(template.allow)}`)
      }
    }
  }))

  const run = (amount, seconds) => new Promise((resolve, reject) => {
    const instance = autocannon({ url: `http://127.0.0.1:${port}`, connections, amount, timeout: 10, requests }, (error, result) => error ? reject(error) : resolve(result))
    const cap = setTimeout(() => instance.stop(), seconds * 1000)
    instance.on('done', () => clearTimeout(cap))
  })

  const samples = []
  const record = async label => {
    const sample = { label, ...await memory() }
    samples.push(sample)
    return sample
  }

  const started = Date.now()
  console.log(`soak: ${target.toLocaleString('en-US')} requests (after ${warmup.toLocaleString('en-US')} of warm-up) over ${connections} connections, ${TEMPLATES.length} request kinds interleaved; time cap ${maxSeconds} s`)
  await record('start')
  if (warmup > 0) await run(warmup, maxSeconds)
  const warmupWrong = [...wrong.values()].reduce((a, b) => a + b, 0)
  const baseline = await record('after warm-up')

  const measuredStart = Date.now()
  let sampled = Promise.resolve()
  const sampler = setInterval(() => {
    sampled = sampled.then(() => record(`t+${Math.round((Date.now() - measuredStart) / 1000)} s`))
  }, sampleMs)
  const result = await run(target, maxSeconds)
  clearInterval(sampler)
  await sampled
  const final = await record('end')
  closing = true
  await child.close()

  // --- Report -------------------------------------------------------------
  const fivexx = result['5xx']
  const completed = result.requests.total
  const sent = result.requests.sent
  const statuses = Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}: ${count.toLocaleString('en-US')}`).join(', ')
  const mismatched = [...wrong.values()].reduce((a, b) => a + b, 0)
  const measuredWrong = mismatched - warmupWrong
  const mib = bytes => `${(bytes / MiB).toFixed(1)} MiB`
  const peakRss = Math.max(...samples.slice(samples.indexOf(baseline)).map(s => s.rss))

  console.log('')
  console.log(`requests completed  ${completed.toLocaleString('en-US')} (sent ${sent.toLocaleString('en-US')}) in ${result.duration} s`)
  console.log(`throughput          ${Math.round(completed / result.duration).toLocaleString('en-US')} req/s (mean of per-second samples ${Math.round(result.requests.mean).toLocaleString('en-US')})`)
  console.log(`latency             p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`)
  console.log(`statuses            ${statuses}`)
  console.log(`5xx                 ${fivexx}`)
  console.log(`socket errors       ${result.errors} (timeouts ${result.timeouts}, resets ${result.resets})`)
  console.log(`unexpected answers  ${measuredWrong} (warm-up: ${warmupWrong})`)
  for (const line of examples) console.log(`  e.g. ${line}`)
  console.log('')
  console.log('server memory (after a forced GC)      rss        heapUsed   heapTotal  external')
  for (const s of samples) console.log(`  ${s.label.padEnd(36)} ${mib(s.rss).padStart(10)} ${mib(s.heapUsed).padStart(10)} ${mib(s.heapTotal).padStart(10)} ${mib(s.external).padStart(10)}`)
  const rssGrowth = final.rss - baseline.rss
  const heapGrowth = final.heapUsed - baseline.heapUsed
  console.log(`rss      after warm-up ${mib(baseline.rss)}, end ${mib(final.rss)}, growth ${mib(rssGrowth)} (bound ${mib(RSS_GROWTH_BOUND)}), peak ${mib(peakRss)}`)
  const secondHalf = samples.filter(sample => sample.label.startsWith('t+')).slice(-Math.ceil(samples.filter(sample => sample.label.startsWith('t+')).length / 2)).concat(final)
  const halfRss = secondHalf.map(sample => sample.rss)
  console.log(`rss over the second half of the run: ${mib(Math.min(...halfRss))} to ${mib(Math.max(...halfRss))} (${secondHalf.length} samples)`)
  console.log(`heapUsed after warm-up ${mib(baseline.heapUsed)}, end ${mib(final.heapUsed)}, growth ${mib(heapGrowth)} (bound ${mib(HEAP_GROWTH_BOUND)})`)
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const failures = []
  if (fivexx > 0) failures.push(`${fivexx} responses were 5xx`)
  if (result.errors > 0 || result.timeouts > 0) failures.push(`${result.errors} socket errors, ${result.timeouts} timeouts`)
  if (mismatched > 0) failures.push(`${mismatched} answers (${warmupWrong} of them in warm-up) did not match their request's expectation`)
  if (completed < target) failures.push(`only ${completed} of ${target} requests completed within ${maxSeconds} s`)
  if (rssGrowth > RSS_GROWTH_BOUND) failures.push(`RSS grew by ${mib(rssGrowth)}`)
  if (heapGrowth > HEAP_GROWTH_BOUND) failures.push(`the heap grew by ${mib(heapGrowth)}`)
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.join('; ')}`)
    process.exitCode = 1
  } else {
    console.log('\nPASS: no 5xx, no socket errors or timeouts, every answer as expected, memory flat')
  }
}

if (process.argv[2] === 'server') await server()
else await main()
