// In-process mode of `npm run bench` (--inprocess): the same apps and
// scenarios as the HTTP run, driven with Fastify's inject (no sockets), so
// that a fraction of a microsecond shows. Each measurement is a fresh child
// process (one variant, one scenario): it builds the app, warms up, then
// times a fixed number of sequential requests. For each round the variants
// run one after the other in a rotating order, and the ratios and
// differences are taken within the round; their medians are reported.
//
//   node bench/run.js --inprocess [--rounds N] [--amount N] [--warmup N] [--only a,b]
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BENCH_VARIANTS, VARIANT_LABELS, allScenarios } from './configs.js'
import { formatFixed, markdownTable, max, median, min, rotate } from './stats.js'

const SELF = fileURLToPath(import.meta.url)

async function worker (variant, scenarioId, warmup, amount) {
  const { buildApp } = await import('./app.js')
  const scenario = allScenarios().find(s => s.id === scenarioId)
  const app = await buildApp(variant, scenario.config)
  await app.ready()
  const { method, path, headers } = scenario.request
  const options = { method, url: path, headers }
  const first = await app.inject(options)
  const [wantStatus, wantAllowOrigin] = scenario.expect[variant]
  if (first.statusCode !== wantStatus || (first.headers['access-control-allow-origin'] !== undefined) !== wantAllowOrigin) {
    throw new Error(`${scenarioId} on ${variant}: got ${first.statusCode}, expected ${wantStatus} ${wantAllowOrigin ? 'with' : 'without'} Access-Control-Allow-Origin`)
  }
  for (let i = 0; i < warmup; i++) await app.inject(options)
  // CPU time, not wall time: on a shared machine the wall clock mostly measures waiting for a core.
  const start = process.cpuUsage()
  for (let i = 0; i < amount; i++) await app.inject(options)
  const used = process.cpuUsage(start)
  await app.close()
  process.stdout.write(JSON.stringify({ us: (used.user + used.system) / amount }))
}

function runWorker (variant, scenarioId, warmup, amount) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--worker', variant, scenarioId, String(warmup), String(amount)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', chunk => { out += chunk })
    child.on('error', reject)
    child.on('exit', code => code === 0 ? resolve(JSON.parse(out).us) : reject(new Error(`worker ${variant} ${scenarioId} exited with ${code}`)))
  })
}

/** Runs the in-process rounds and returns the Markdown section. */
export async function runInProcess ({ rounds, warmup, amount, only, log }) {
  const scenarios = allScenarios().filter(s => only.length === 0 || only.some(part => s.id.includes(part)))
  const results = new Map(scenarios.map(s => [s.id, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [index, scenario] of scenarios.entries()) {
      const entry = {}
      for (const variant of rotate(BENCH_VARIANTS, round + index)) entry[variant] = await runWorker(variant, scenario.id, warmup, amount)
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
  return `## In-process (inject, no sockets)\n\n${rounds} rounds; per round and scenario each variant is a fresh process (rotating order) that serves ${warmup} warm-up requests, then ${amount} sequential injects, timed in process CPU time (user + system). Cells: medians of the per-round values; differences and ratios are per round, median (min–max). "floor": the same answers hand-written in one global onRequest hook (bench/floor.js).\n\n${table}\n`
}

if (process.argv[2] === '--worker') {
  const [variant, scenarioId, warmup, amount] = process.argv.slice(3)
  await worker(variant, scenarioId, Number(warmup), Number(amount))
}
