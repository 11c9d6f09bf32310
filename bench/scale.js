// `npm run bench:scale` (builds first): how bare Fastify, @fastify/cors and
// fastify-cors-exact behave as the number of routes grows.
//
//   npm run bench:scale                    full run: about 20 minutes on a 2-core machine (the
//                                          50,000-route builds dominate, 3 a round, about 35 s each)
//   npm run bench:scale -- --quick         a few minutes: 20,000 instead of 50,000 routes, fewer rounds
//   node bench/scale.js --help             every flag and environment variable
//
// Three phases, each server in its own child process (bench/scale-server.js,
// run with --expose-gc) on 127.0.0.1, this process being the orchestrator and
// the load generator (autocannon):
//   1. Startup, heap and printRoutes at --routes (10,000): rounds of one FRESH
//      child per variant, in a rotating order, one after the other (never two
//      builds at once). Each child times `Fastify()` to `await app.ready()`,
//      reads the heap after a full GC, counts printRoutes() lines, then serves
//      one actual request and one preflight and reads the heap again.
//   2. Per-request CPU at --sizes (100 and 50,000): in every round each
//      (variant, size) is a FRESH server, built alone, in a rotating order. It
//      serves each request kind over HTTP (a warm-up, then a measured run around
//      which it reports its CPU time, process.cpuUsage()), then drives each
//      kind through its own fastify.routing, no sockets (bench/inprocess.js),
//      and exits. A server kept for every round would carry what its process
//      drew (how V8 sized its young generation, where its code and objects
//      landed) into every round: such servers moved the growth from run to run
//      by more than the plugin's own cost. Here a draw counts once.
//   3. Report: medians of per-round ratios with their min–max, in Markdown to
//      bench/scale-results.md and on stdout.
// Nothing is asserted on timings: targets are checked and reported, not enforced.
// Only the variants' answers are checked (status and Access-Control-Allow-Origin)
// and a wrong answer fails the run.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { VARIANTS, VARIANT_LABELS } from './configs.js'
import { DELETE_EVERY, OVERRIDE_EVERY, REST_OVERRIDES, ROUTE_OVERRIDE, SCALE_OPTIONS, SHAPES, describeShape, scaleRequests } from './scale-routes.js'
import { ChildServer, load, measure, pin, probe, readFlags } from './harness.js'
import { formatFixed, formatInt, formatRatio, markdownTable, max, median, min, rotate } from './stats.js'

const SERVER = fileURLToPath(new URL('./scale-server.js', import.meta.url))
const DEFAULT_OUT = fileURLToPath(new URL('./scale-results.md', import.meta.url))
const PACKAGE = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version

const HELP = `Usage: npm run bench:scale [-- flags]   (or node bench/scale.js [flags] after npm run build)

  --shape rest|groups    app shape (bench/scale-routes.js): a REST API with overrides on every method, or the earlier groups with DELETE overrides
                                                                        env SCALE_SHAPE           default rest
  --quick                shorter preset (sizes 100,20000; startup rounds 3; rounds 3; amount 4000; warmup 1000;
                         in-process amount 100000)   env SCALE_QUICK=1
  --routes N             routes for startup, heap and printRoutes      env SCALE_ROUTES          default 10000
  --startup-rounds N     fresh builds per variant for startup/heap      env SCALE_STARTUP_ROUNDS  default 5 (quick 3)
  --sizes a,b            route counts for per-request CPU (2 or more)   env SCALE_SIZES           default 100,50000 (quick 100,20000)
  --rounds N             rounds of per-request CPU, each a fresh server per variant and size
                                                                        env SCALE_ROUNDS          default 7 (quick 3)
  --amount N             requests per measured HTTP run                 env SCALE_AMOUNT          default 10000 (quick 4000)
  --warmup N             requests per HTTP warm-up run                  env SCALE_WARMUP          default 2000 (quick 1000)
                         (a fresh server first gets a full GC, then max(10 x warmup, 2 x amount) of each request)
  --connections N        autocannon connections                         env SCALE_CONNECTIONS     default 10
  --inprocess-amount N   requests per in-process run (no sockets: the server drives its own fastify.routing,
                         bench/inprocess.js; warm-up a tenth of it), 0 to skip them
                                                                        env SCALE_INPROCESS_AMOUNT default 300000 (quick 100000)
  --build-timeout S      seconds a server may take to build and listen  env SCALE_BUILD_TIMEOUT   default 900
  --no-startup           skip phase 1 (startup, heap, printRoutes)
  --no-cpu               skip phase 2 (per-request CPU)
  --no-pin               do not pin servers to CPU 1 and this process to CPU 0 (taskset)   env SCALE_PIN=0
  --out FILE             where to write the Markdown report                default bench/scale-results.md
`

function settings () {
  const { values, env, int } = readFlags({
    quick: { type: 'boolean' },
    shape: { type: 'string' },
    routes: { type: 'string' },
    'startup-rounds': { type: 'string' },
    sizes: { type: 'string' },
    rounds: { type: 'string' },
    amount: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    'inprocess-amount': { type: 'string' },
    'build-timeout': { type: 'string' },
    'no-startup': { type: 'boolean' },
    'no-cpu': { type: 'boolean' },
    'no-pin': { type: 'boolean' },
    out: { type: 'string' }
  }, HELP)
  const quick = values.quick === true || env.SCALE_QUICK === '1'
  const connections = int('connections', 'SCALE_CONNECTIONS', 10, 1, 256)
  const rawSizes = values.sizes ?? env.SCALE_SIZES
  const sizes = rawSizes === undefined
    ? (quick ? [100, 20000] : [100, 50000])
    : [...new Set(rawSizes.split(',').map(s => s.trim()).filter(Boolean).map(s => int('sizes', 'SCALE_SIZES', 0, 3, 500000, s)))].sort((a, b) => a - b)
  if (sizes.length < 2) throw new Error('--sizes / SCALE_SIZES: expected at least two route counts, e.g. 100,50000')
  const shape = values.shape ?? env.SCALE_SHAPE ?? 'rest'
  if (!SHAPES.includes(shape)) throw new Error(`--shape / SCALE_SHAPE: expected one of ${SHAPES.join(', ')}, got ${shape}`)
  return {
    quick,
    shape,
    routes: int('routes', 'SCALE_ROUTES', 10000, 3, 500000),
    startupRounds: int('startup-rounds', 'SCALE_STARTUP_ROUNDS', quick ? 3 : 5, 1, 50),
    sizes,
    rounds: int('rounds', 'SCALE_ROUNDS', quick ? 3 : 7, 1, 100),
    amount: int('amount', 'SCALE_AMOUNT', quick ? 4000 : 10000, Math.max(100, connections), 1e7),
    warmup: int('warmup', 'SCALE_WARMUP', quick ? 1000 : 2000, connections, 1e7),
    connections,
    inprocessAmount: int('inprocess-amount', 'SCALE_INPROCESS_AMOUNT', quick ? 100000 : 300000, 0, 1e8),
    buildTimeout: int('build-timeout', 'SCALE_BUILD_TIMEOUT', 900, 10, 7200),
    startup: values['no-startup'] !== true,
    cpu: values['no-cpu'] !== true,
    pin: values['no-pin'] !== true && env.SCALE_PIN !== '0',
    out: values.out ?? DEFAULT_OUT
  }
}

const log = (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} scale: ${message}\n`)
// Read before this process pins itself to one CPU (pinning changes what it reports).
const PARALLELISM = os.availableParallelism()
const KB = 1024
const MB = 1024 * 1024

// ------------------------------------------------------------------ servers

class Server extends ChildServer {
  constructor (variant, routes, { shape, printRoutes = false, timeout }) {
    super(SERVER, [variant, String(routes), shape, ...(printRoutes ? ['print-routes'] : [])], { execArgv: ['--expose-gc'] })
    this.variant = variant
    this.routes = routes
    this.timeout = timeout
  }

  get name () {
    return `${this.variant} at ${formatInt(this.routes)} routes`
  }

  /** Waits for the build ('built') and the listening socket ('ready'). */
  async start () {
    const ready = this.expect('ready', this.timeout)
    this.built = await this.expect('built', this.timeout)
    this.port = (await ready).port
    return this
  }
}

/** Fails loudly unless the server answers the request as `kind.expect` says for its variant. */
async function verify (server, kind) {
  const { status, headers } = await probe(server.port, kind.request)
  const [wantStatus, wantAllowOrigin] = kind.expect[server.variant]
  const allowOrigin = headers['access-control-allow-origin']
  const ok = status === wantStatus && (wantAllowOrigin ? allowOrigin === kind.request.headers.origin : allowOrigin === undefined)
  if (!ok) {
    throw new Error(`${kind.label} ${kind.request.method} ${kind.request.path} on ${server.name}: got ${status} with Access-Control-Allow-Origin ${allowOrigin ?? '(none)'}, expected ${wantStatus} ${wantAllowOrigin ? `with Access-Control-Allow-Origin ${kind.request.headers.origin}` : 'without Access-Control-Allow-Origin'}`)
  }
}

// --------------------------------------------------------------------- load

/**
 * Builds `variant` at `routes` routes in a fresh server (pinned to CPU 1 when
 * `pinned`), runs `use(server)` on it, and closes it whatever happens.
 */
async function withFreshServer (variant, routes, serverOptions, pinned, live, use) {
  const server = new Server(variant, routes, serverOptions)
  live.add(server)
  try {
    if (pinned) pin(server.child.pid, 1)
    await server.start()
    return await use(server)
  } finally {
    await server.close()
    live.delete(server)
  }
}

/** µs of garbage-collection pauses per response in a measured run. */
const gcPerRequest = (run) => run.gc.ms * 1000 / run.responses

/** One measured run (harness.js), every response checked. */
async function measureKind (server, kind, opts) {
  const run = await measure(server, kind.request, opts)
  const [wantStatus] = kind.expect[server.variant]
  if (run.errors > 0 || run.responses !== opts.amount || run.statuses[wantStatus] !== opts.amount) {
    throw new Error(`${kind.label} on ${server.name}: ${run.errors} errors, ${run.responses}/${opts.amount} responses, statuses ${JSON.stringify(run.statuses)}, expected all ${wantStatus}`)
  }
  return run
}

/** One in-process run in the server itself (no sockets), its last answer checked. */
async function driveKind (server, kind, opts) {
  const run = await server.request('drive', 600, { request: kind.request, warmup: Math.round(opts.inprocessAmount / 10), amount: opts.inprocessAmount })
  const [wantStatus, wantAllowOrigin] = kind.expect[server.variant]
  if (run.status !== wantStatus || (run.allowOrigin !== undefined) !== wantAllowOrigin) {
    throw new Error(`${kind.label} in process on ${server.name}: got ${run.status} ${run.allowOrigin === undefined ? 'without' : 'with'} Access-Control-Allow-Origin, expected ${wantStatus}`)
  }
  return run
}

// ------------------------------------------------------------------- phases

const stats = (values) => ({ median: median(values), min: min(values), max: max(values), n: values.filter(Number.isFinite).length })

/** Phase 1: startup time, heap and printRoutes at opts.routes, one fresh child per variant and round. */
async function startupPhase (opts, pinned, live) {
  const kinds = scaleRequests(opts.routes, opts.shape)
  const rounds = []
  for (let round = 0; round < opts.startupRounds; round++) {
    const entry = {}
    for (const variant of rotate(VARIANTS, round)) {
      entry[variant] = await withFreshServer(variant, opts.routes, { shape: opts.shape, printRoutes: true, timeout: opts.buildTimeout }, pinned, live, async server => {
        // One actual request and one preflight served, then the heap again.
        await verify(server, kinds.get)
        await verify(server, kinds.preflight)
        const { heapUsed } = await server.request('heap')
        return { ...server.built, heapServed: heapUsed }
      })
      log(`startup round ${round + 1}/${opts.startupRounds} ${variant.padEnd(12)} ${formatInt(entry[variant].startupMs)} ms to ready, heap ${formatFixed(entry[variant].heapUsed / MB, 1)} MB after ready, ${formatFixed(entry[variant].heapServed / MB, 1)} MB after serving, printRoutes ${formatInt(entry[variant].printRoutesLines)} lines`)
    }
    rounds.push(entry)
  }
  const declared = rounds[0].bare.declared
  const perRoute = (key, variant) => stats(rounds.map(r => (r[variant][key] - r.bare[key]) / declared))
  return {
    rounds,
    declared,
    routeCount: Object.fromEntries(VARIANTS.map(v => [v, rounds[0][v].routeCount])),
    startup: Object.fromEntries(VARIANTS.map(v => [v, stats(rounds.map(r => r[v].startupMs))])),
    startupRatio: Object.fromEntries(VARIANTS.map(v => [v, stats(rounds.map(r => r[v].startupMs / r.bare.startupMs))])),
    heap: Object.fromEntries(VARIANTS.map(v => [v, stats(rounds.map(r => r[v].heapUsed))])),
    heapServed: Object.fromEntries(VARIANTS.map(v => [v, stats(rounds.map(r => r[v].heapServed))])),
    heapPerRoute: Object.fromEntries(VARIANTS.map(v => [v, perRoute('heapUsed', v)])),
    heapServedPerRoute: Object.fromEntries(VARIANTS.map(v => [v, perRoute('heapServed', v)])),
    lines: Object.fromEntries(VARIANTS.map(v => [v, stats(rounds.map(r => r[v].printRoutesLines))])),
    extraLines: Object.fromEntries(VARIANTS.map(v => [v, stats(rounds.map(r => r[v].printRoutesLines - r.bare.printRoutesLines))]))
  }
}

/** Phase 2: per-request CPU, over HTTP then in process, on a fresh server per variant, size and round. */
async function cpuPhase (opts, pinned, live) {
  const key = (variant, size) => `${variant}/${size}`
  const kindsAt = Object.fromEntries(opts.sizes.map(size => [size, scaleRequests(size, opts.shape)]))
  const kindIds = Object.keys(kindsAt[opts.sizes[0]])
  const pairs = opts.sizes.flatMap(size => VARIANTS.map(variant => [variant, size]))
  const firstWarmup = Math.max(opts.warmup * 10, opts.amount * 2)
  const rounds = []
  for (let round = 0; round < opts.rounds; round++) {
    const roundStart = Date.now()
    const entry = {}
    for (const [variant, size] of rotate(pairs, round)) {
      const got = await withFreshServer(variant, size, { shape: opts.shape, timeout: opts.buildTimeout }, pinned, live, async server => {
        const kinds = kindsAt[size]
        for (const id of kindIds) await verify(server, kinds[id])
        // A fresh big app still has work in flight (concurrent sweeping, tiering) that would be
        // billed to its first runs: settle it with full collections, then warm it up well.
        await server.request('heap', 300)
        for (const id of kindIds) await load(server.port, kinds[id].request, firstWarmup, opts.connections)
        const http = {}
        for (const id of kindIds) http[id] = await measureKind(server, kinds[id], opts)
        // In process only after HTTP: a server that has driven these stand-in requests serves HTTP
        // slower from then on (bare Fastify at 100 routes: 33 -> 44 µs a request).
        const inProcess = {}
        for (const id of opts.inprocessAmount > 0 ? kindIds : []) inProcess[id] = await driveKind(server, kinds[id], opts)
        return { http, inProcess, startupMs: server.built.startupMs }
      })
      entry[key(variant, size)] = got
      log(`round ${round + 1}/${opts.rounds} ${variant.padEnd(12)} at ${formatInt(size).padStart(6)} routes: built in ${formatFixed(got.startupMs / 1000, 1)} s; µs/req ${kindIds.map(id => `${id} HTTP ${formatFixed(got.http[id].cpuPerRequest, 1)} (GC ${formatFixed(gcPerRequest(got.http[id]), 1)})${opts.inprocessAmount > 0 ? `, in process ${formatFixed(got.inProcess[id].us, 2)} (GC ${formatFixed(got.inProcess[id].gcUs, 2)})` : ''}`).join('; ')}; foreign max ${formatFixed(max(kindIds.map(id => got.http[id].foreign)), 2)}`)
    }
    rounds.push(entry)
    log(`round ${round + 1} took ${Math.round((Date.now() - roundStart) / 1000)} s`)
  }

  const small = opts.sizes[0]
  const large = opts.sizes[opts.sizes.length - 1]
  const bySize = (f) => Object.fromEntries(opts.sizes.map(size => [size, f(size)]))
  const byVariant = (f) => Object.fromEntries(VARIANTS.map(v => [v, f(v)]))
  const summary = kindIds.map(id => {
    const http = (variant, size) => rounds.map(r => r[key(variant, size)].http[id])
    const httpRatio = (a, b) => stats(rounds.map(r => r[a].http[id].cpuPerRequest / r[b].http[id].cpuPerRequest))
    const row = {
      id,
      label: kindsAt[small][id].label,
      cpu: bySize(size => byVariant(v => stats(http(v, size).map(run => run.cpuPerRequest)))),
      gc: bySize(size => byVariant(v => stats(http(v, size).map(gcPerRequest)))),
      rps: bySize(size => byVariant(v => stats(http(v, size).map(run => run.rps)))),
      oursOverCors: bySize(size => httpRatio(key('ours', size), key('fastify-cors', size))),
      oursOverBare: bySize(size => httpRatio(key('ours', size), key('bare', size))),
      growth: byVariant(v => httpRatio(key(v, large), key(v, small))),
      foreign: rounds.flatMap(r => Object.values(r).map(run => run.http[id].foreign))
    }
    if (opts.inprocessAmount > 0) {
      const us = (run, outsideGc) => outsideGc ? run.us - run.gcUs : run.us
      const inRatio = (a, b, outsideGc = false) => stats(rounds.map(r => us(r[a].inProcess[id], outsideGc) / us(r[b].inProcess[id], outsideGc)))
      row.inProcess = {
        cpu: bySize(size => byVariant(v => stats(rounds.map(r => r[key(v, size)].inProcess[id].us)))),
        gc: bySize(size => byVariant(v => stats(rounds.map(r => r[key(v, size)].inProcess[id].gcUs)))),
        oursOverCors: bySize(size => inRatio(key('ours', size), key('fastify-cors', size))),
        oursOverBare: bySize(size => inRatio(key('ours', size), key('bare', size))),
        growth: byVariant(v => inRatio(key(v, large), key(v, small))),
        growthOutsideGc: byVariant(v => inRatio(key(v, large), key(v, small), true))
      }
    }
    return row
  })
  return { summary, small, large, built: Object.fromEntries(pairs.map(([variant, size]) => [key(variant, size), stats(rounds.map(r => r[key(variant, size)].startupMs))])) }
}

// ------------------------------------------------------------------- report

const range = (s, format) => `${format(s.median)} (${format(s.min)}–${format(s.max)})`
const ratioCell = (s) => `${formatRatio(s.median)} (${formatFixed(s.min, 2)}–${formatFixed(s.max, 2)})`
const bytesPerRoute = (s) => `${formatInt(s.median)} B = ${formatFixed(s.median / KB, 2)} KB (${formatInt(s.min)}–${formatInt(s.max)} B)`
const verdict = (ok) => ok ? '**met**' : '**missed**'

function startupTables (s) {
  const heap = markdownTable(
    ['Variant', 'heap after ready (MB)', 'per route over bare, after ready', 'heap after serving (MB)', 'per route over bare, after serving'],
    VARIANTS.map(v => [VARIANT_LABELS[v], range(s.heap[v], x => formatFixed(x / MB, 2)), v === 'bare' ? '—' : bytesPerRoute(s.heapPerRoute[v]), range(s.heapServed[v], x => formatFixed(x / MB, 2)), v === 'bare' ? '—' : bytesPerRoute(s.heapServedPerRoute[v])]),
    ['---', '---:', '---:', '---:', '---:']
  )
  const startup = markdownTable(
    ['Variant', '`Fastify()` to ready (ms)', 'over bare (per-round ratio)'],
    VARIANTS.map(v => [VARIANT_LABELS[v], range(s.startup[v], formatInt), v === 'bare' ? '—' : ratioCell(s.startupRatio[v])]),
    ['---', '---:', '---:']
  )
  const lines = markdownTable(
    ['Variant', 'routes Fastify holds (incl. HEAD, plugin OPTIONS)', 'printRoutes() lines', 'extra lines over bare', 'plugin registrations'],
    VARIANTS.map(v => [VARIANT_LABELS[v], formatInt(s.routeCount[v]), formatInt(s.lines[v].median) + (s.lines[v].min !== s.lines[v].max ? ` (${formatInt(s.lines[v].min)}–${formatInt(s.lines[v].max)})` : ''), v === 'bare' ? '—' : formatInt(s.extraLines[v].median), v === 'bare' ? '0' : '1']),
    ['---', '---:', '---:', '---:', '---:']
  )
  return { heap, startup, lines }
}

function cpuTables (c) {
  const sizes = Object.keys(c.summary[0].cpu).map(Number)
  const one = (x) => formatFixed(x, 1)
  const two = (x) => formatFixed(x, 2)
  const cpuTable = (pick, format) => markdownTable(
    ['Request', 'routes', ...VARIANTS.map(v => `${VARIANT_LABELS[v]} (GC)`), 'ours/@fastify/cors', 'ours/bare'],
    c.summary.flatMap(row => sizes.map(size => [row.label, formatInt(size), ...VARIANTS.map(v => `${range(pick(row).cpu[size][v], format)} (${format(pick(row).gc[size][v].median)})`), ratioCell(pick(row).oursOverCors[size]), ratioCell(pick(row).oursOverBare[size])])),
    ['---', '---:', '---:', '---:', '---:', '---:', '---:']
  )
  const cpu = cpuTable(row => row, one)
  const growth = markdownTable(
    ['Request', ...VARIANTS.map(v => `${VARIANT_LABELS[v]} ${formatInt(c.large)}/${formatInt(c.small)}`), 'other processes (cores, median–max)'],
    c.summary.map(row => [row.label, ...VARIANTS.map(v => ratioCell(row.growth[v])), `${formatFixed(median(row.foreign), 2)}–${formatFixed(max(row.foreign), 2)}`]),
    ['---', '---:', '---:', '---:', '---:']
  )
  const rps = markdownTable(
    ['Request', 'routes', ...VARIANTS.map(v => VARIANT_LABELS[v])],
    c.summary.flatMap(row => sizes.map(size => [row.label, formatInt(size), ...VARIANTS.map(v => formatInt(row.rps[size][v].median))])),
    ['---', '---:', '---:', '---:', '---:']
  )
  if (c.summary[0].inProcess === undefined) return { cpu, growth, rps }
  const inCpu = cpuTable(row => row.inProcess, two)
  const inGrowth = markdownTable(
    ['Request', ...VARIANTS.map(v => `${VARIANT_LABELS[v]} ${formatInt(c.large)}/${formatInt(c.small)}`), ...VARIANTS.map(v => `${VARIANT_LABELS[v]}, outside GC`)],
    c.summary.map(row => [row.label, ...VARIANTS.map(v => ratioCell(row.inProcess.growth[v])), ...VARIANTS.map(v => ratioCell(row.inProcess.growthOutsideGc[v]))]),
    ['---', '---:', '---:', '---:', '---:', '---:', '---:']
  )
  return { cpu, growth, rps, inCpu, inGrowth }
}

/** "Flat": ours' per-request CPU grows by at most 10% from the smallest to the largest size, or by no more than bare's own growth + 5 points. */
const FLAT_SLACK = 0.10
const flat = (ours, bare) => ours <= 1 + FLAT_SLACK || ours <= bare + 0.05

function targets (opts, s, c) {
  const lines = []
  if (s !== undefined) {
    const heap = s.heapPerRoute.ours
    const served = s.heapServedPerRoute.ours
    const limit = 1.5 * KB
    lines.push(`- Heap, ours at most +1.5 KB per route over bare at ${formatInt(s.declared)} routes: ${verdict(heap.median <= limit && served.median <= limit)} on the medians: after ready +${formatFixed(heap.median / KB, 2)} KB/route (rounds ${formatFixed(heap.min / KB, 2)}–${formatFixed(heap.max / KB, 2)}), after serving +${formatFixed(served.median / KB, 2)} KB/route (rounds ${formatFixed(served.min / KB, 2)}–${formatFixed(served.max / KB, 2)})` +
      (heap.median > limit ? `; ${formatFixed((heap.median - limit) / KB, 2)} KB/route over` : '') + '.')
    const st = s.startupRatio.ours
    lines.push(`- Startup, ours at most 1.15x bare at ${formatInt(s.declared)} routes: ${verdict(st.median <= 1.15)} on the median: ${ratioCell(st)}` +
      (st.median > 1.15 ? `, ${formatFixed((st.median - 1.15) * 100, 0)} points over` : '') +
      (st.min <= 1.15 && st.max > 1.15 ? '; rounds on both sides of 1.15x (within this run\'s noise)' : '') +
      `. (@fastify/cors: ${ratioCell(s.startupRatio['fastify-cors'])}.)`)
    const extra = s.extraLines.ours
    lines.push(`- printRoutes, ours at most one extra line per registration (1 registration): ${verdict(extra.max <= 1)}: ${formatInt(extra.median)} extra line(s) (${formatInt(s.lines.ours.median)} vs ${formatInt(s.lines.bare.median)}).`)
  }
  if (c !== undefined) {
    for (const row of c.summary) {
      const ours = row.growth.ours
      const bare = row.growth.bare
      lines.push(`- Per-request CPU flat from ${formatInt(c.small)} to ${formatInt(c.large)} routes, ${row.label}: ${verdict(flat(ours.median, bare.median))} on the medians over HTTP: ours ${ratioCell(ours)}, bare ${ratioCell(bare)}, @fastify/cors ${ratioCell(row.growth['fastify-cors'])}` +
        ` ("flat": ours' growth at most ${formatFixed(1 + FLAT_SLACK, 2)}x, or at most bare's own growth + 0.05).`)
      if (row.inProcess !== undefined) {
        const inOurs = row.inProcess.growth.ours
        const inBare = row.inProcess.growth.bare
        lines.push(`  - in process (no sockets): ${verdict(flat(inOurs.median, inBare.median))} on the medians: ours ${ratioCell(inOurs)}, bare ${ratioCell(inBare)}, @fastify/cors ${ratioCell(row.inProcess.growth['fastify-cors'])}; outside GC pauses ours ${ratioCell(row.inProcess.growthOutsideGc.ours)}, bare ${ratioCell(row.inProcess.growthOutsideGc.bare)}.`)
      }
    }
  }
  return lines.join('\n')
}

/** The commit, and whether the plugin's sources differ from it (the run measures the working tree's build). */
function revision () {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const changed = git('status', '--porcelain', '--', 'index.ts', 'lib', 'types').split('\n').filter(Boolean).length
    return `${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` plus uncommitted changes to ${changed} plugin source file(s) (the build measured is the working tree's)` : ''}`
  } catch {
    return 'unknown'
  }
}

function report ({ opts, s, c, pinned, started, elapsed, loadStart, rev }) {
  const cpus = os.cpus()
  const shape = describeShape(opts.routes, opts.shape)
  const header = [
    '# fastify-cors-exact benchmark: route count',
    '',
    `- Date: ${started.toISOString()} (${Math.round(elapsed / 1000)} s); load average ${loadStart.map(l => l.toFixed(2)).join(' ')} at the start, ${os.loadavg().map(l => l.toFixed(2)).join(' ')} at the end`,
    `- Node ${process.version} on ${os.platform()} ${os.arch()}; CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores (available parallelism ${PARALLELISM} before pinning); Fastify ${PACKAGE('fastify')}, @fastify/cors ${PACKAGE('@fastify/cors')}, find-my-way ${PACKAGE('find-my-way')}`,
    `- Settings: ${opts.startup ? `startup/heap/printRoutes at ${formatInt(opts.routes)} routes, ${opts.startupRounds} rounds of fresh builds` : 'no startup phase'}; ` +
      `${opts.cpu ? `per-request CPU at ${opts.sizes.map(formatInt).join(' and ')} routes, ${opts.rounds} rounds of fresh servers, ${opts.amount} requests per measured HTTP run after ${opts.warmup} warm-up requests, ${opts.connections} connections, no pipelining; ${opts.inprocessAmount > 0 ? `${opts.inprocessAmount} in-process requests per kind` : 'no in-process runs'}` : 'no CPU phase'}; 127.0.0.1 only; ` +
      `servers ${pinned ? 'pinned to CPU 1, orchestrator/load generator to CPU 0 (taskset)' : 'not pinned'}`,
    `- Plugin: fastify-cors-exact dist/esm built from ${rev}`,
    '- Command: `npm run bench:scale' + (process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : '') + '`'
  ]
  const parts = [header.join('\n')]
  parts.push([
    '## Method',
    '',
    opts.shape === 'rest'
      ? `- App shape \`rest\` (bench/scale-routes.js), the same routes for every variant: resources i = 0, 1, …, each with \`GET\` and \`POST /res{i}\`, one to four of \`GET\`, \`PUT\`, \`PATCH\`, \`DELETE /res{i}/:id\` (1 + i mod 4), \`GET /res{i}/:id/items\` and \`GET /res{i}/stats\`; one route in ${OVERRIDE_EVERY}, wherever it falls (so on every method: ${shape.overrideMethods.join(', ')}), has its own \`config.cors\`, in turn ${REST_OVERRIDES.map(override => `\`${JSON.stringify(override)}\``).join(', ')}. Routes are added until exactly N are declared (N = ${formatInt(shape.declared)}: ${formatInt(shape.groups)} resources, ${formatInt(shape.overrides)} overrides); Fastify adds a HEAD route per GET. "Per route" below divides by the N declared routes.`
      : `- App shape \`groups\` (bench/scale-routes.js), the same routes for every variant: groups i = 0, 1, …, each with a static \`GET /r{i}/items\` and a parametric \`PUT /r{i}/items/:id\`; every ${DELETE_EVERY}th group also has \`DELETE /r{i}/items/:id\` with \`config: { cors: ${JSON.stringify(ROUTE_OVERRIDE)} }\`. Groups are added until exactly N routes are declared (N = ${formatInt(shape.declared)}: ${formatInt(shape.groups)} groups, ${formatInt(shape.overrides)} DELETE overrides); Fastify adds a HEAD route per GET. "Per route" below divides by the N declared routes.`,
    `- Both plugins get the same options: \`${JSON.stringify(SCALE_OPTIONS)}\`. Only ours gets the routes' \`config.cors\`: @fastify/cors would read \`config.cors\` per request in its own format, and bare ignores it. Bare gets one plain \`OPTIONS\` route answering 204 on the preflighted path (its preflight floor).`,
    `- Requests hit the resource nearest the middle of the table whose routes they need allow the origin: an allowed actual \`GET ${shape.get}\` with \`Origin: https://a.example\`, and a preflight \`OPTIONS ${shape.preflight.path}\` with \`Origin: https://a.example\`, \`Access-Control-Request-Method: ${shape.preflight.method}\` (a method whose routes differ in policy). Before measuring, every server is checked to answer 200 (GET) / 204 (preflight), with \`Access-Control-Allow-Origin: https://a.example\` for the plugins and without it for bare.`,
    '- Startup: each round builds each variant in a fresh child process, one at a time, in a rotating order; the child times `Fastify()` (after its imports) to `await app.ready()`. Heap: `process.memoryUsage().heapUsed` after `global.gc()` (repeated until it stops shrinking), right after ready and again after serving one actual request and one preflight. Ratios and differences are taken within a round and their median is shown with the rounds\' min–max.',
    `- Per-request CPU: in each round, every (variant, size) is a fresh server, built alone, in a rotating order. Once built it gets full collections and ${Math.max(opts.warmup * 10, opts.amount * 2)} warm-up requests of each kind; then, for each kind, a warm-up of ${opts.warmup} and a measured run of ${opts.amount} requests over HTTP, where CPU is the server process's user+system time (process.cpuUsage()) over the run divided by the responses, connection setup and teardown included${opts.inprocessAmount > 0 ? `; then, for each kind, ${formatInt(Math.round(opts.inprocessAmount / 10))} warm-up and ${formatInt(opts.inprocessAmount)} sequential requests through its own \`fastify.routing(req, res)\` with a minimal request and response (bench/inprocess.js), no sockets, timed in its process CPU time` : ''}; then it exits. Each process's draw (how V8 sized its young generation, where its code and objects landed) thus counts in one round only: servers kept for every round had moved the growth from run to run by more than the plugin's own cost. Cells: median (min–max over rounds); ratios are per-round ratios, then their median.`
  ].join('\n'))
  if (s !== undefined) {
    const t = startupTables(s)
    parts.push(`## Heap at ${formatInt(s.declared)} routes (after full GC)\n\n${t.heap}`)
    parts.push(`## Startup at ${formatInt(s.declared)} routes\n\n${t.startup}`)
    parts.push(`## printRoutes() at ${formatInt(s.declared)} routes\n\n${t.lines}`)
  }
  if (c !== undefined) {
    const t = cpuTables(c)
    parts.push(`## Server CPU per request over HTTP (µs)\n\nIn parentheses, the median µs per request spent in garbage-collection pauses during the measured runs (PerformanceObserver \`gc\` entries, wall time of the pauses).\n\n${t.cpu}`)
    parts.push(`## Growth of per-request CPU over HTTP from ${formatInt(c.small)} to ${formatInt(c.large)} routes (per-round ratios)\n\n${t.growth}`)
    if (t.inCpu !== undefined) {
      parts.push(`## In process: CPU per request (µs), no sockets\n\nWithout the kernel's TCP work, what grows with the routes shows. In parentheses, the part spent in garbage-collection pauses.\n\n${t.inCpu}`)
      parts.push(`## In process: growth from ${formatInt(c.small)} to ${formatInt(c.large)} routes (per-round ratios)\n\n${t.inGrowth}`)
    }
    parts.push(`## Throughput (requests/s, medians; for reference, the load generator shares the machine)\n\n${t.rps}`)
    parts.push(`Builds of the CPU-phase servers (each alone), median over rounds: ${Object.entries(c.built).map(([k, b]) => `${k} ${formatFixed(b.median / 1000, 1)} s`).join(', ')}.`)
  }
  parts.push(`## Targets (checked, not asserted)\n\n${targets(opts, s, c)}`)
  return parts.join('\n\n') + '\n'
}

// --------------------------------------------------------------------- main

async function main () {
  const opts = settings()
  const started = new Date()
  const loadStart = os.loadavg()
  const rev = revision()
  const live = new Set()
  const stop = () => Promise.all([...live].map(server => server.close()))
  process.once('SIGINT', () => { stop().finally(() => process.exit(130)) })
  let s
  let c
  let pinned = false
  try {
    pinned = opts.pin && os.cpus().length >= 2 && pin(process.pid, 0)
    if (opts.startup) {
      log(`phase 1: startup, heap and printRoutes at ${formatInt(opts.routes)} routes, ${opts.startupRounds} rounds × ${VARIANTS.length} fresh builds${pinned ? ', pinned' : ''}`)
      s = await startupPhase(opts, pinned, live)
    }
    if (opts.cpu) {
      log(`phase 2: per-request CPU at ${opts.sizes.map(formatInt).join(' and ')} routes, ${opts.rounds} rounds`)
      c = await cpuPhase(opts, pinned, live)
    }
  } finally {
    await stop()
  }
  const markdown = report({ opts, s, c, pinned, started, loadStart, rev, elapsed: Date.now() - started.getTime() })
  writeFileSync(opts.out, markdown)
  process.stdout.write(markdown)
  log(`written to ${opts.out} (${Math.round((Date.now() - started.getTime()) / 1000)} s)`)
}

await main()
