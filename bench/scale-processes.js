// The growth of per-request CPU from a small app (100 routes) to a large one,
// in process (no sockets), with a FRESH process per variant, size and round:
// phase 3 of `npm run bench:scale`, whose flatness verdict it gives, and on its
// own `npm run bench:scale:processes` (builds first).
//
// A server kept for every round (bench:scale's HTTP phase) carries whatever its
// process drew (how V8 sized its young generation, where its code and objects
// landed) into every round, and the growth it reports moved from run to run by
// more than the plugin's own cost. Here every round builds its own processes,
// so a process's draw counts once, and the median over rounds is the growth.
//
//   node bench/scale-processes.js --help      every flag
//
// Each worker builds the app of bench/scale-routes.js (the same routes and
// options as bench:scale), checks both answers, then drives each request kind
// through its own fastify.routing (bench/inprocess.js): warm-up, then timed
// requests in process CPU time, with the garbage-collection pauses counted apart.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { VARIANTS, VARIANT_LABELS } from './configs.js'
import { readFlags, runJsonChild } from './harness.js'
import { drive, driveTimed } from './inprocess.js'
import { SHAPES, declareScaleApp, scaleRequests } from './scale-routes.js'
import { formatFixed, formatInt, formatRatio, markdownTable, max, median, min, rotate } from './stats.js'

const SELF = fileURLToPath(import.meta.url)
const DEFAULT_OUT = fileURLToPath(new URL('./scale-processes-results.md', import.meta.url))
export const SMALL = 100
const KINDS = ['get', 'preflight']
const LABEL = { get: 'allowed GET', preflight: 'allowed preflight' }

/** "Flat": ours' growth at most 1.10x, or at most bare Fastify's own growth + 0.05. */
export const FLAT_SLACK = 0.10
export const flat = (ours, bare) => ours <= 1 + FLAT_SLACK || ours <= bare + 0.05
export const FLAT_RULE = `ours' growth at most ${(1 + FLAT_SLACK).toFixed(2)}x, or at most bare Fastify's own growth + 0.05`

const HELP = `Usage: npm run bench:scale:processes [-- flags]   (or node bench/scale-processes.js [flags] after npm run build)

  --size N        the large app's declared routes (the small one has ${SMALL})   env SCALE_SIZE     default 20000
  --shape S       app shape (bench/scale-routes.js): ${SHAPES.join(' or ')}        env SCALE_SHAPE    default rest
  --rounds N      rounds; each builds one fresh process per variant and size    env SCALE_ROUNDS   default 5
  --amount N      timed requests per kind and process                           env SCALE_AMOUNT   default 300000
  --warmup N      warm-up requests per kind and process                         env SCALE_WARMUP   default 30000
  --out FILE      where to write the Markdown report    default bench/scale-processes-results.md
`

function settings () {
  const { values, env, int } = readFlags({
    size: { type: 'string' },
    shape: { type: 'string' },
    rounds: { type: 'string' },
    amount: { type: 'string' },
    warmup: { type: 'string' },
    out: { type: 'string' }
  }, HELP)
  const shape = values.shape ?? env.SCALE_SHAPE ?? 'rest'
  if (!SHAPES.includes(shape)) throw new Error(`--shape / SCALE_SHAPE: expected one of ${SHAPES.join(', ')}, got ${shape}`)
  return {
    small: SMALL,
    size: int('size', 'SCALE_SIZE', 20000, SMALL + 1, 500000),
    shape,
    rounds: int('rounds', 'SCALE_ROUNDS', 5, 1, 100),
    amount: int('amount', 'SCALE_AMOUNT', 300000, 1000, 1e8),
    warmup: int('warmup', 'SCALE_WARMUP', 30000, 0, 1e8),
    out: values.out ?? DEFAULT_OUT
  }
}

// ------------------------------------------------------------------ worker

async function worker (variant, routes, shape, warmup, amount) {
  const app = Fastify({ logger: false })
  await declareScaleApp(app, variant, routes, shape)
  await app.ready()
  const requests = scaleRequests(routes, shape)
  const result = {}
  for (const kind of KINDS) {
    const { request, expect } = requests[kind]
    const first = await drive(app, request)
    const [status, withAllowOrigin] = expect[variant]
    if (first.statusCode !== status || (first.head?.['access-control-allow-origin'] !== undefined) !== withAllowOrigin) {
      throw new Error(`${variant} at ${routes} routes, ${kind}: got ${first.statusCode}, expected ${status} ${withAllowOrigin ? 'with' : 'without'} Access-Control-Allow-Origin`)
    }
    const { us, gcUs } = await driveTimed(app, request, warmup, amount)
    result[kind] = { us, gcUs }
  }
  await app.close()
  process.stdout.write(JSON.stringify(result))
}

// ------------------------------------------------------------------ orchestrator

const stats = (values) => ({ median: median(values), min: min(values), max: max(values) })

/**
 * `rounds` rounds; in each, every variant at `small` then at `size` routes is a
 * fresh worker process (rotating order). Returns the per-round runs and, per
 * request kind and variant, the per-round growth size/small with and without
 * the garbage-collection pauses.
 */
export async function growthAcrossProcesses ({ small, size, shape, rounds, amount, warmup, log }) {
  const runs = []
  for (let round = 0; round < rounds; round++) {
    const entry = {}
    for (const [index, routes] of [small, size].entries()) {
      for (const variant of rotate(VARIANTS, round + index)) {
        const key = `${variant}/${routes}`
        entry[key] = await runJsonChild(SELF, ['--child', variant, String(routes), shape, String(warmup), String(amount)], `worker ${variant} at ${routes} routes`)
        log(`fresh-process round ${round + 1}/${rounds} ${variant} at ${formatInt(routes)} routes: ${KINDS.map(kind => `${kind} ${formatFixed(entry[key][kind].us, 3)} µs`).join(', ')}`)
      }
    }
    runs.push(entry)
  }
  const at = (run, kind, outsideGc) => outsideGc ? run[kind].us - run[kind].gcUs : run[kind].us
  const growth = (outsideGc) => Object.fromEntries(KINDS.map(kind => [kind, Object.fromEntries(VARIANTS.map(v =>
    [v, stats(runs.map(r => at(r[`${v}/${size}`], kind, outsideGc) / at(r[`${v}/${small}`], kind, outsideGc)))]))]))
  return { small, size, shape, rounds, amount, warmup, runs, growth: growth(false), growthOutsideGc: growth(true) }
}

const cell = (values, digits) => `${formatFixed(median(values), digits)} (${formatFixed(min(values), digits)}–${formatFixed(max(values), digits)})`
const ratioCell = (s) => `${formatRatio(s.median)} (${formatRatio(s.min)}–${formatRatio(s.max)})`

/** The Markdown of a growthAcrossProcesses result: its method, CPU per request, growth, and the flatness verdict per request kind. */
export function growthReport (g) {
  const method = `${formatInt(g.small)} and ${formatInt(g.size)} declared routes of the \`${g.shape}\` shape (bench/scale-routes.js), ${g.rounds} round${g.rounds === 1 ? '' : 's'}; in each round every variant and size is a fresh process (rotating order), which serves ${formatInt(g.warmup)} warm-up then ${formatInt(g.amount)} timed requests of each kind through its own \`fastify.routing\` (no sockets, bench/inprocess.js), timed in process CPU time; GC: the pauses (PerformanceObserver \`gc\` entries) within the timed requests. Cells: median (min–max over rounds); growth: per-round ratio ${formatInt(g.size)}/${formatInt(g.small)}, median (min–max).`
  const cpu = markdownTable(
    ['Request', 'routes', ...VARIANTS.map(v => `${VARIANT_LABELS[v]} µs (GC)`)],
    KINDS.flatMap(kind => [g.small, g.size].map(routes => [LABEL[kind], formatInt(routes), ...VARIANTS.map(v => `${cell(g.runs.map(r => r[`${v}/${routes}`][kind].us), 2)} (${formatFixed(median(g.runs.map(r => r[`${v}/${routes}`][kind].gcUs)), 2)})`)])),
    ['---', '---:', ...VARIANTS.map(() => '---:')]
  )
  const growth = markdownTable(
    ['Request', ...VARIANTS.map(v => VARIANT_LABELS[v]), ...VARIANTS.map(v => `${VARIANT_LABELS[v]}, outside GC`)],
    KINDS.map(kind => [LABEL[kind], ...VARIANTS.map(v => ratioCell(g.growth[kind][v])), ...VARIANTS.map(v => ratioCell(g.growthOutsideGc[kind][v]))]),
    ['---', ...VARIANTS.map(() => '---:'), ...VARIANTS.map(() => '---:')]
  )
  const verdicts = KINDS.map(kind => {
    const { ours, bare } = g.growth[kind]
    const met = flat(ours.median, bare.median)
    return `- Per-request CPU flat from ${formatInt(g.small)} to ${formatInt(g.size)} routes, ${LABEL[kind]}, fresh processes: ${met ? '**met**' : '**missed**'} on the medians: ours ${ratioCell(ours)}, bare ${ratioCell(bare)}, @fastify/cors ${ratioCell(g.growth[kind]['fastify-cors'])}; outside GC pauses ours ${ratioCell(g.growthOutsideGc[kind].ours)}, bare ${ratioCell(g.growthOutsideGc[kind].bare)} ("flat": ${FLAT_RULE}).`
  })
  return { method, cpu, growth, verdicts }
}

async function main () {
  const opts = settings()
  const started = new Date()
  const log = (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} scale-processes: ${message}\n`)
  const g = await growthAcrossProcesses({ ...opts, log })
  const r = growthReport(g)
  const report = `# fastify-cors-exact benchmark: growth with the route count, a fresh process per round

- Date: ${started.toISOString()} (${Math.round((Date.now() - started) / 1000)} s); Node ${process.version}
- Command: \`npm run bench:scale:processes${process.argv.slice(2).length > 0 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`
- Settings: ${r.method}

## CPU per request (µs)

${r.cpu}

## Growth from ${formatInt(g.small)} to ${formatInt(g.size)} routes (per-round ratios)

${r.growth}

## Target (checked, not asserted)

${r.verdicts.join('\n')}
`
  writeFileSync(opts.out, report)
  process.stdout.write(report)
  log(`written to ${opts.out}`)
}

// '--child', not '--worker': bench/inprocess.js, imported here, runs its own worker on '--worker'.
// Run as a script only: bench/scale.js imports this module for its third phase.
if (process.argv[2] === '--child') {
  const [variant, routes, shape, warmup, amount] = process.argv.slice(3)
  await worker(variant, Number(routes), shape, Number(warmup), Number(amount))
} else if (process.argv[1] === SELF) {
  await main()
}
