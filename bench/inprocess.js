// In-process mode of `npm run bench` (--inprocess): the same apps and
// scenarios as the HTTP run, with no sockets, so that a fraction of a
// microsecond shows. Requests go straight to `fastify.routing(req, res)` (the
// request handler Fastify gives a custom server) with the least of Node's
// IncomingMessage and ServerResponse that Fastify reads for these requests:
// a request then costs about 1 µs, where inject's own machinery costs about
// 100 µs on this VM and hides the plugins. Each measurement is a fresh child
// process (one variant, one scenario): it builds the app, checks the answer,
// warms up, then times a fixed number of sequential requests in process CPU
// time. For each round the variants run one after the other in a rotating
// order, and the ratios and differences are taken within the round; their
// medians are reported.
//
//   node bench/run.js --inprocess [--rounds N] [--amount N] [--warmup N] [--only a,b]
import { Session } from 'node:inspector/promises'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { runJsonChild } from './harness.js'
import { BENCH_VARIANTS, VARIANT_LABELS, allScenarios } from './configs.js'
import { formatFixed, formatInt, markdownTable, max, median, min, rotate } from './stats.js'

const SELF = fileURLToPath(import.meta.url)

const chainable = function () { return this }

/** A request as Node's HTTP server hands it over, with the fields Fastify reads; fresh headers each time, as a parser gives them. */
function incoming ({ method, path, headers }) {
  return { method, url: path, headers: { host: '127.0.0.1', ...headers }, httpVersionMajor: 1, httpVersion: '1.1', socket: { remoteAddress: '127.0.0.1' }, on: chainable, once: chainable, removeListener: chainable }
}

/** What Fastify calls on a response for these requests; `end` reports the finished response. */
class Outgoing {
  constructor (ended) {
    this.ended = ended
    this.statusCode = 200
    this.headersSent = false
    this.writableEnded = false
    this.destroyed = false
    this.head = undefined
  }

  writeHead (status, head) {
    this.statusCode = status
    this.head = head
    this.headersSent = true
    return this
  }

  end () {
    this.writableEnded = true
    this.ended(this)
  }

  write () { return true }
  setHeader () {}
  getHeader () {}
  hasHeader () { return false }
  removeHeader () {}
  on () { return this }
  once () { return this }
  removeListener () { return this }
}

/** One request through Fastify's own request handler; resolves with the response once it has ended. */
export function drive (app, request) {
  return new Promise(resolve => app.routing(incoming(request), new Outgoing(resolve)))
}

/**
 * `warmup` then `amount` sequential requests through drive(): CPU µs per timed
 * request (process CPU time), the part of it in garbage-collection pauses, and
 * the last response.
 */
export async function driveTimed (app, request, warmup, amount) {
  let last
  for (let i = 0; i < warmup; i++) last = await drive(app, request)
  let gcMs = 0
  const observer = new PerformanceObserver(list => { for (const entry of list.getEntries()) gcMs += entry.duration })
  observer.observe({ entryTypes: ['gc'] })
  // CPU time, not wall time: on a shared machine the wall clock mostly measures waiting for a core.
  const start = process.cpuUsage()
  for (let i = 0; i < amount; i++) last = await drive(app, request)
  const used = process.cpuUsage(start)
  // GC entries are delivered asynchronously.
  await new Promise(resolve => setTimeout(resolve, 20))
  observer.disconnect()
  return { us: (used.user + used.system) / amount, gcUs: gcMs * 1000 / amount, last }
}

/**
 * Bytes allocated per request, collected or not, as V8's sampling heap profiler
 * counts them (one sample per 64 bytes on average) over `amount` requests.
 */
async function allocatedPerRequest (app, request, amount) {
  const session = new Session()
  session.connect()
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
  for (let i = 0; i < amount; i++) await drive(app, request)
  const { profile } = await session.post('HeapProfiler.stopSampling')
  session.disconnect()
  let bytes = 0
  const visit = (node) => { bytes += node.selfSize; node.children.forEach(visit) }
  visit(profile.head)
  return bytes / amount
}

async function worker (variant, scenarioId, warmup, amount, sampled) {
  const { buildApp } = await import('./app.js')
  const scenario = allScenarios().find(s => s.id === scenarioId)
  const app = await buildApp(variant, scenario.config)
  await app.ready()
  const request = scenario.request
  const first = await drive(app, request)
  const [wantStatus, wantAllowOrigin] = scenario.expect[variant]
  if (first.statusCode !== wantStatus || (first.head['access-control-allow-origin'] !== undefined) !== wantAllowOrigin) {
    throw new Error(`${scenarioId} on ${variant}: got ${first.statusCode}, expected ${wantStatus} ${wantAllowOrigin ? 'with' : 'without'} Access-Control-Allow-Origin`)
  }
  const { us } = await driveTimed(app, request, warmup, amount)
  // After the timed requests: the profiler slows the ones it watches.
  const bytes = sampled > 0 ? await allocatedPerRequest(app, request, sampled) : undefined
  await app.close()
  process.stdout.write(JSON.stringify({ us, bytes }))
}

function runWorker (variant, scenarioId, warmup, amount, sampled) {
  return runJsonChild(SELF, ['--worker', variant, scenarioId, String(warmup), String(amount), String(sampled)], `worker ${variant} ${scenarioId}`)
}

/** Runs the in-process rounds and returns the Markdown section and the target lines. */
export async function runInProcess ({ rounds, warmup, amount, only, log }) {
  const scenarios = allScenarios().filter(s => only.length === 0 || only.some(part => s.id.includes(part)))
  const results = new Map(scenarios.map(s => [s.id, []]))
  // Allocations hardly vary between runs: counted in the first round only.
  const allocations = new Map(scenarios.map(s => [s.id, {}]))
  const sampled = Math.max(1000, Math.round(amount / 20))
  for (let round = 0; round < rounds; round++) {
    for (const [index, scenario] of scenarios.entries()) {
      const entry = {}
      for (const variant of rotate(BENCH_VARIANTS, round + index)) {
        const run = await runWorker(variant, scenario.id, warmup, amount, round === 0 ? sampled : 0)
        entry[variant] = run.us
        if (round === 0) allocations.get(scenario.id)[variant] = run.bytes
      }
      results.get(scenario.id).push(entry)
      log(`in-process round ${round + 1}/${rounds} ${scenario.id.padEnd(36)} µs/req ${BENCH_VARIANTS.map(v => `${v} ${formatFixed(entry[v], 2)}`).join(', ')}`)
    }
  }
  const range = (values, digits) => `${formatFixed(median(values), digits)} (${formatFixed(min(values), digits)}–${formatFixed(max(values), digits)})`
  const rows = scenarios.map(scenario => {
    const list = results.get(scenario.id)
    const col = (v) => list.map(r => r[v])
    const per = (f) => list.map(f)
    return [
      scenario.label,
      ...BENCH_VARIANTS.map(v => formatFixed(median(col(v)), 2)),
      range(per(r => r.ours - r.floor), 2),
      range(per(r => r.ours / r.floor), 3),
      range(per(r => r.ours / r['fastify-cors']), 3),
      range(per(r => r.ours / r.bare), 3)
    ]
  })
  const table = markdownTable(
    ['Scenario', ...BENCH_VARIANTS.map(v => `${VARIANT_LABELS[v]} µs`), 'ours − floor µs', 'ours/floor', 'ours/@fastify/cors', 'ours/bare'],
    rows,
    ['---', ...BENCH_VARIANTS.map(() => '---:'), '---:', '---:', '---:', '---:']
  )
  // Issue 13's target for the request path: within 0.3 µs of the floor on these kinds, and never above @fastify/cors.
  const floorKinds = ['get-allowed', 'get-disallowed', 'preflight-allowed', 'preflight-rejected']
  const targetLines = []
  const check = (title, rows, pick, ok) => {
    const misses = rows.filter(scenario => !ok(median(pick(results.get(scenario.id)))))
    const unresolved = rows.filter(scenario => { const values = pick(results.get(scenario.id)); return ok(min(values)) !== ok(max(values)) })
    let line = `- ${title}: ${misses.length === 0 ? '**met**' : '**missed**'} on the medians`
    line += misses.length > 0 ? `; missed on ${misses.map(scenario => `${scenario.label} ${formatFixed(median(pick(results.get(scenario.id))), 3)}`).join('; ')}` : ` (${rows.length} scenarios)`
    if (unresolved.length > 0) line += `. Rounds on both sides of the threshold: ${unresolved.map(scenario => scenario.label).join('; ')}`
    targetLines.push(line)
  }
  check('In process, ours − floor <= 0.3 µs on allowed and disallowed GET and preflights', scenarios.filter(s => floorKinds.includes(s.kind)), list => list.map(r => r.ours - r.floor), value => value <= 0.3)
  check('In process, ours <= @fastify/cors on every scenario', scenarios, list => list.map(r => r.ours / r['fastify-cors']), value => value <= 1)
  const bytesTable = markdownTable(
    ['Scenario', ...BENCH_VARIANTS.map(v => `${VARIANT_LABELS[v]} bytes`), 'ours − floor bytes'],
    scenarios.map(scenario => {
      const bytes = allocations.get(scenario.id)
      return [scenario.label, ...BENCH_VARIANTS.map(v => formatInt(bytes[v])), formatInt(bytes.ours - bytes.floor)]
    }),
    ['---', ...BENCH_VARIANTS.map(() => '---:'), '---:']
  )
  const markdown = `## In-process (no sockets: fastify.routing with a minimal request and response)\n\n${rounds} rounds; per round and scenario each variant is a fresh process (rotating order) that serves ${warmup} warm-up requests, then ${amount} sequential requests through \`fastify.routing(req, res)\`, timed in process CPU time (user + system). Cells: medians of the per-round values; differences and ratios are per round, median (min–max). "floor": the same answers hand-written in one global onRequest hook (bench/floor.js).\n\n${table}\n\n### Bytes allocated per request\n\nIn round 1, after its timed requests, each process serves ${sampled} more under V8's sampling heap profiler (one sample per 64 bytes on average, objects already collected included), which counts what they allocate; the benchmark's own stand-in request and response are part of every variant's count.\n\n${bytesTable}\n`
  return { markdown, targets: targetLines }
}

if (process.argv[2] === '--worker') {
  const [variant, scenarioId, warmup, amount, sampled] = process.argv.slice(3)
  await worker(variant, scenarioId, Number(warmup), Number(amount), Number(sampled ?? 0))
}
