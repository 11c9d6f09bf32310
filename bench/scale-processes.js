// `npm run bench:scale:processes` (builds first): the growth of per-request CPU
// from 100 routes to --size routes, in process (no sockets), with a FRESH
// process per variant, size and round.
//
// bench/scale.js keeps one server per (variant, size) for all its rounds, because
// a 50,000-route build takes minutes: whatever one process draws (how V8 sizes
// its young generation, where its code and objects land) is then in every round
// of that server, and the growth it reports moves from run to run by more than
// the plugin's own cost. Here every round builds its own processes, so a
// process's draw counts once, and the median over rounds is the growth.
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
import { declareScaleApp, scaleRequests } from './scale-routes.js'
import { formatFixed, formatInt, formatRatio, markdownTable, max, median, min, rotate } from './stats.js'

const SELF = fileURLToPath(import.meta.url)
const DEFAULT_OUT = fileURLToPath(new URL('./scale-processes-results.md', import.meta.url))
const SMALL = 100
const KINDS = ['get', 'preflight']

const HELP = `Usage: npm run bench:scale:processes [-- flags]   (or node bench/scale-processes.js [flags] after npm run build)

  --size N        the large app's declared routes (the small one has ${SMALL})   env SCALE_SIZE     default 20000
  --rounds N      rounds; each builds one fresh process per variant and size    env SCALE_ROUNDS   default 5
  --amount N      timed requests per kind and process                           env SCALE_AMOUNT   default 300000
  --warmup N      warm-up requests per kind and process                         env SCALE_WARMUP   default 30000
  --out FILE      where to write the Markdown report    default bench/scale-processes-results.md
`

function settings () {
  const { values, int } = readFlags({
    size: { type: 'string' },
    rounds: { type: 'string' },
    amount: { type: 'string' },
    warmup: { type: 'string' },
    out: { type: 'string' }
  }, HELP)
  return {
    size: int('size', 'SCALE_SIZE', 20000, SMALL + 1, 500000),
    rounds: int('rounds', 'SCALE_ROUNDS', 5, 1, 100),
    amount: int('amount', 'SCALE_AMOUNT', 300000, 1000, 1e8),
    warmup: int('warmup', 'SCALE_WARMUP', 30000, 0, 1e8),
    out: values.out ?? DEFAULT_OUT
  }
}

// ------------------------------------------------------------------ worker

async function worker (variant, routes, warmup, amount) {
  const app = Fastify({ logger: false })
  await declareScaleApp(app, variant, routes, 'rest')
  await app.ready()
  const requests = scaleRequests(routes, 'rest')
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

function runWorker (variant, routes, opts) {
  return runJsonChild(SELF, ['--child', variant, String(routes), String(opts.warmup), String(opts.amount)], `worker ${variant} at ${routes} routes`)
}

const log = (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} scale-processes: ${message}\n`)
const cell = (values, digits) => `${formatFixed(median(values), digits)} (${formatFixed(min(values), digits)}–${formatFixed(max(values), digits)})`
const ratioCell = (values) => `${formatRatio(median(values))} (${formatRatio(min(values))}–${formatRatio(max(values))})`

async function main () {
  const opts = settings()
  const started = new Date()
  const rounds = []
  for (let round = 0; round < opts.rounds; round++) {
    const runs = {}
    for (const [index, routes] of [SMALL, opts.size].entries()) {
      for (const variant of rotate(VARIANTS, round + index)) {
        runs[`${variant}/${routes}`] = await runWorker(variant, routes, opts)
        log(`round ${round + 1}/${opts.rounds} ${variant} at ${formatInt(routes)} routes: ${KINDS.map(kind => `${kind} ${formatFixed(runs[`${variant}/${routes}`][kind].us, 3)} µs`).join(', ')}`)
      }
    }
    rounds.push(runs)
  }
  const at = (run, kind, outsideGc) => outsideGc ? run[kind].us - run[kind].gcUs : run[kind].us
  const growth = (variant, kind, outsideGc) => rounds.map(runs => at(runs[`${variant}/${opts.size}`], kind, outsideGc) / at(runs[`${variant}/${SMALL}`], kind, outsideGc))
  const label = { get: 'allowed GET', preflight: 'allowed preflight' }
  const cpu = markdownTable(
    ['Request', 'routes', ...VARIANTS.map(v => `${VARIANT_LABELS[v]} µs (GC)`)],
    KINDS.flatMap(kind => [SMALL, opts.size].map(routes => [label[kind], formatInt(routes), ...VARIANTS.map(v => `${cell(rounds.map(r => r[`${v}/${routes}`][kind].us), 2)} (${formatFixed(median(rounds.map(r => r[`${v}/${routes}`][kind].gcUs)), 2)})`)])),
    ['---', '---:', ...VARIANTS.map(() => '---:')]
  )
  const growthTable = markdownTable(
    ['Request', ...VARIANTS.map(v => `${VARIANT_LABELS[v]}`), ...VARIANTS.map(v => `${VARIANT_LABELS[v]}, outside GC`)],
    KINDS.map(kind => [label[kind], ...VARIANTS.map(v => ratioCell(growth(v, kind, false))), ...VARIANTS.map(v => ratioCell(growth(v, kind, true)))]),
    ['---', ...VARIANTS.map(() => '---:'), ...VARIANTS.map(() => '---:')]
  )
  const report = `# fastify-cors-exact benchmark: growth with the route count, a fresh process per round

- Date: ${started.toISOString()} (${Math.round((Date.now() - started) / 1000)} s); Node ${process.version}
- Command: \`npm run bench:scale:processes${process.argv.slice(2).length > 0 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`
- Settings: ${SMALL} and ${formatInt(opts.size)} declared routes of the \`rest\` shape (bench/scale-routes.js), ${opts.rounds} round${opts.rounds === 1 ? '' : 's'}; in each round every variant and size is a fresh process (rotating order), which serves ${opts.warmup} warm-up then ${opts.amount} timed requests of each kind through its own \`fastify.routing\` (no sockets), timed in process CPU time; GC: the pauses (PerformanceObserver \`gc\` entries) within the timed requests. Cells: median (min–max over rounds); growth: per-round ratio ${formatInt(opts.size)}/${SMALL}, median (min–max).

## CPU per request (µs)

${cpu}

## Growth from ${SMALL} to ${formatInt(opts.size)} routes (per-round ratios)

${growthTable}
`
  writeFileSync(opts.out, report)
  process.stdout.write(report)
  log(`written to ${opts.out}`)
}

// '--child', not '--worker': bench/inprocess.js, imported here, runs its own worker on '--worker'.
if (process.argv[2] === '--child') {
  const [variant, routes, warmup, amount] = process.argv.slice(3)
  await worker(variant, Number(routes), Number(warmup), Number(amount))
} else {
  await main()
}
