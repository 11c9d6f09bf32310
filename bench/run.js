// `npm run bench` (builds first): bare Fastify, @fastify/cors and
// fastify-cors-exact side by side, then the decision microbenchmark.
//
//   npm run bench                      full run (about 5 minutes on an idle 2-core machine)
//   npm run bench -- --quick           about 1.5 minutes: fewer rounds, smaller runs
//   npm run bench -- --micro           the microbenchmark only
//   npm run bench -- --inprocess       the in-process run only (no sockets, fresh process per measurement; inprocess.js)
//   node bench/run.js --help           every flag and environment variable
//
// Each server runs in its own child process (bench/server.js) on 127.0.0.1;
// this process is the load generator (autocannon's programmatic API). For each
// round and scenario the three variants run one after the other, in an order
// that rotates (A B C, B C A, C A B, ...), each with a warm-up and then a
// measured run of a fixed number of requests, around which the server reports
// the CPU time it used (process.cpuUsage()). Ratios are computed within a
// round, from runs about a second apart, and the median of those is reported:
// the machine's speed drifts between rounds. Many short rounds beat a few long
// ones here: on a noisy VM single runs scatter by ±30% even when it is idle,
// and only the median of many paired ratios narrows that down.
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { BENCH_VARIANTS, VARIANT_LABELS, allScenarios, regexpList } from './configs.js'
import { flatnessLine, runMicro } from './micro.js'
import { runInProcess } from './inprocess.js'
import { ChildServer, load, measure, pin, probe, readFlags } from './harness.js'
import { formatFixed, formatInt, formatRatio, markdownTable, max, median, min, rotate } from './stats.js'

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url))
const DEFAULT_OUT = fileURLToPath(new URL('./results.md', import.meta.url))
const DEFAULT_INPROCESS_OUT = fileURLToPath(new URL('./inprocess-results.md', import.meta.url))

const HELP = `Usage: npm run bench [-- flags]   (or node bench/run.js [flags] after npm run build)

  --quick              preset for a run of about 1.5 minutes (rounds 4, amount 1000, warmup 200, 1 micro pass); env BENCH_QUICK=1
  --rounds N           rounds per scenario                      env BENCH_ROUNDS       default 15 (quick 4)
  --amount N           requests per measured run                env BENCH_AMOUNT       default 2000 (quick 1000)
  --warmup N           requests per warm-up run                 env BENCH_WARMUP       default 400 (quick 200)
                       (before round 1, every server also gets max(3 x warmup, amount) requests of each scenario)
  --connections N      autocannon connections                   env BENCH_CONNECTIONS  default 10
  --only a,b           scenarios whose id contains a or b       env BENCH_ONLY         e.g. list10k,preflight
  --micro              run only the microbenchmark
  --inprocess          run only the in-process comparison (no sockets: fastify.routing with a minimal
                       request and response; rounds default 5, amount 200000, warmup 20000;
                       report in bench/inprocess-results.md)
  --no-micro           skip the microbenchmark                  env BENCH_MICRO=0
  --micro-passes N     microbenchmark passes                    env BENCH_MICRO_PASSES default 3 (quick 1)
  --no-pin             do not pin servers to CPU 1 and this process to CPU 0 (taskset)   env BENCH_PIN=0
  --max-foreign C      other processes' CPU (in cores, from /proc/stat) above which a
                       measured run counts as contended            env BENCH_MAX_FOREIGN  default 0.3
  --retries N          re-measure a scenario's round (all variants) up to N times when a run
                       was contended                               env BENCH_RETRIES      default 0
  --out FILE           where to write the Markdown report       default bench/results.md (bench/inprocess-results.md with --inprocess)
`

function settings () {
  const { values, env, int } = readFlags({
    quick: { type: 'boolean' },
    rounds: { type: 'string' },
    amount: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    micro: { type: 'boolean' },
    inprocess: { type: 'boolean' },
    'no-micro': { type: 'boolean' },
    'micro-passes': { type: 'string' },
    'no-pin': { type: 'boolean' },
    'max-foreign': { type: 'string' },
    retries: { type: 'string' },
    out: { type: 'string' }
  }, HELP)
  const quick = values.quick === true || env.BENCH_QUICK === '1'
  const connections = int('connections', 'BENCH_CONNECTIONS', 10, 1, 256)
  const inprocess = values.inprocess === true
  return {
    quick,
    inprocess,
    rounds: int('rounds', 'BENCH_ROUNDS', inprocess ? 5 : quick ? 4 : 15, 1, 100),
    amount: int('amount', 'BENCH_AMOUNT', inprocess ? 200000 : quick ? 1000 : 2000, Math.max(100, connections), 1e7),
    warmup: int('warmup', 'BENCH_WARMUP', inprocess ? 20000 : quick ? 200 : 400, connections, 1e7),
    connections,
    only: (values.only ?? env.BENCH_ONLY ?? '').split(',').map(s => s.trim()).filter(Boolean),
    http: values.micro !== true && !inprocess,
    micro: values['no-micro'] !== true && env.BENCH_MICRO !== '0' && !inprocess,
    microPasses: int('micro-passes', 'BENCH_MICRO_PASSES', quick ? 1 : 3, 1, 20),
    pin: values['no-pin'] !== true && env.BENCH_PIN !== '0',
    maxForeign: (() => {
      const value = Number(values['max-foreign'] ?? env.BENCH_MAX_FOREIGN ?? 0.3)
      if (!(value >= 0)) throw new Error('--max-foreign / BENCH_MAX_FOREIGN: expected a number of cores >= 0')
      return value
    })(),
    retries: int('retries', 'BENCH_RETRIES', 0, 0, 10),
    out: values.out ?? (inprocess ? DEFAULT_INPROCESS_OUT : DEFAULT_OUT)
  }
}

const log = (message) => process.stderr.write(`${message}\n`)
// Read before this process pins itself to one CPU (pinning changes what it reports).
const PARALLELISM = os.availableParallelism()

// ------------------------------------------------------------------ servers

class Server extends ChildServer {
  constructor (variant, config) {
    super(SERVER, [variant, config])
    this.variant = variant
    this.config = config
  }

  get name () {
    return `server ${this.variant} ${this.config}`
  }

  async ready () {
    const { port } = await this.expect('ready')
    this.port = port
    return this
  }
}

// ------------------------------------------------------------------- report

function summarize (scenarios, results, maxForeign) {
  return scenarios.map((scenario) => {
    const rounds = results.get(scenario.id)
    // Rounds in which no run shared the machine with more than maxForeign cores of other work.
    const quiet = rounds.filter(round => BENCH_VARIANTS.every(v => !(round[v].foreign > maxForeign)))
    const per = (variant, key) => rounds.map(round => round[variant][key])
    const stats = (values) => ({ median: median(values), min: min(values), max: max(values), n: values.length })
    const ratio = (key, other, of = 'ours', from = rounds) => stats(from.map(round => round[of][key] / round[other][key]))
    return {
      quietRounds: quiet.length,
      quiet: {
        rpsCors: ratio('rps', 'fastify-cors', 'ours', quiet),
        cpuBare: ratio('cpuPerRequest', 'bare', 'ours', quiet),
        cpuCors: ratio('cpuPerRequest', 'fastify-cors', 'ours', quiet),
        userBare: ratio('userPerRequest', 'bare', 'ours', quiet),
        userCors: ratio('userPerRequest', 'fastify-cors', 'ours', quiet)
      },
      scenario,
      rps: Object.fromEntries(BENCH_VARIANTS.map(v => [v, stats(per(v, 'rps'))])),
      cpu: Object.fromEntries(BENCH_VARIANTS.map(v => [v, stats(per(v, 'cpuPerRequest'))])),
      user: Object.fromEntries(BENCH_VARIANTS.map(v => [v, stats(per(v, 'userPerRequest'))])),
      ratios: {
        rpsBare: ratio('rps', 'bare'),
        rpsCors: ratio('rps', 'fastify-cors'),
        cpuBare: ratio('cpuPerRequest', 'bare'),
        cpuOverFloor: ratio('cpuPerRequest', 'floor'),
        cpuCors: ratio('cpuPerRequest', 'fastify-cors'),
        userBare: ratio('userPerRequest', 'bare'),
        userCors: ratio('userPerRequest', 'fastify-cors'),
        // What a CORS plugin that cost nothing would score against @fastify/cors.
        rpsCeiling: ratio('rps', 'fastify-cors', 'bare'),
        cpuFloor: ratio('cpuPerRequest', 'fastify-cors', 'bare')
      },
      generatorCpu: max(rounds.flatMap(round => BENCH_VARIANTS.map(v => round[v].generatorCpu))),
      foreign: rounds.flatMap(round => BENCH_VARIANTS.map(v => round[v].foreign))
    }
  })
}

function tables (summary) {
  const range = ({ median, min, max }, format) => `${format(median)} (${format(min)}–${format(max)})`
  const ratio = (stats) => `${formatRatio(stats.median)} (${formatFixed(stats.min, 2)}–${formatFixed(stats.max, 2)})`
  const header = ['Scenario', ...BENCH_VARIANTS.map(v => VARIANT_LABELS[v]), 'ours/bare', 'ours/@fastify/cors']
  const int = (value) => formatInt(value)
  const one = (value) => formatFixed(value, 1)
  const align = ['---', ...header.slice(1).map(() => '---:')]
  const throughput = markdownTable(
    [...header, 'bare/@fastify/cors (ceiling)'],
    summary.map(row => [row.scenario.label, ...BENCH_VARIANTS.map(v => range(row.rps[v], int)), ratio(row.ratios.rpsBare), ratio(row.ratios.rpsCors), ratio(row.ratios.rpsCeiling)]),
    align
  )
  const cpu = markdownTable(
    [...header, 'bare/@fastify/cors', 'ours/hand-written hook'],
    summary.map(row => [row.scenario.label, ...BENCH_VARIANTS.map(v => range(row.cpu[v], one)), ratio(row.ratios.cpuBare), ratio(row.ratios.cpuCors), ratio(row.ratios.cpuFloor), ratio(row.ratios.cpuOverFloor)]),
    [...align, '---:']
  )
  const user = markdownTable(
    [...header, 'other processes (cores, median–max)'],
    summary.map(row => [row.scenario.label, ...BENCH_VARIANTS.map(v => one(row.user[v].median)), ratio(row.ratios.userBare), ratio(row.ratios.userCors), `${formatFixed(median(row.foreign), 2)}–${formatFixed(max(row.foreign), 2)}`]),
    align
  )
  const quiet = markdownTable(
    ['Scenario', 'quiet rounds', 'CPU ours/bare', 'CPU ours/@fastify/cors', 'user CPU ours/bare', 'user CPU ours/@fastify/cors', 'req/s ours/@fastify/cors'],
    summary.map(row => [row.scenario.label, `${row.quietRounds} of ${row.foreign.length / BENCH_VARIANTS.length}`,
      ...['cpuBare', 'cpuCors', 'userBare', 'userCors', 'rpsCors'].map(key => row.quietRounds > 0 ? ratio(row.quiet[key]) : 'n/a')]),
    ['---', '---:', '---:', '---:', '---:', '---:', '---:']
  )
  return { throughput, cpu, user, quiet }
}

function targets (summary, micro) {
  const lines = []
  const verdict = (ok) => ok ? '**met**' : '**missed**'
  const show = (row, stats) => `${row.scenario.label} ${formatRatio(stats.median)} (rounds ${formatFixed(stats.min, 2)}–${formatFixed(stats.max, 2)})`
  // One target over some scenarios: judged on the median of the per-round ratios; a
  // scenario whose rounds fall on both sides of the threshold is not resolved by this run.
  const check = (title, rows, pick, ok) => {
    if (rows.length === 0) return
    const misses = rows.filter(row => !ok(pick(row).median))
    const unresolved = rows.filter(row => ok(pick(row).min) !== ok(pick(row).max))
    let line = `${title.startsWith(' ') ? '' : '- '}${title}: ${verdict(misses.length === 0)} on the medians`
    line += misses.length > 0 ? `; missed on ${misses.map(row => show(row, pick(row))).join('; ')}` : ` (${rows.length} scenarios)`
    if (unresolved.length > 0) line += `. Rounds on both sides of the threshold (within this run's noise): ${unresolved.map(row => row.scenario.label).join('; ')}`
    lines.push(line)
  }
  const gets = summary.filter(row => row.scenario.kind === 'get-allowed')
  const preflights = summary.filter(row => row.scenario.kind.startsWith('preflight'))
  const quiet = (rows) => rows.filter(row => row.quietRounds >= 3)
  check('Server CPU per request, ours <= @fastify/cors on every scenario', summary, row => row.ratios.cpuCors, value => value <= 1)
  check('  - the same over quiet rounds only (scenarios with at least 3)', quiet(summary), row => row.quiet.cpuCors, value => value <= 1)
  check('Server CPU per request, ours <= 1.03x bare on allowed GET', gets, row => row.ratios.cpuBare, value => value <= 1.03)
  check('  - the same over quiet rounds only (scenarios with at least 3)', quiet(gets), row => row.quiet.cpuBare, value => value <= 1.03)
  check('Preflight throughput, ours >= 1.2x @fastify/cors', preflights, row => row.ratios.rpsCors, value => value >= 1.2)
  check('  - the same over quiet rounds only (scenarios with at least 3)', quiet(preflights), row => row.quiet.rpsCors, value => value >= 1.2)
  const unreachable = summary.filter(row => row.scenario.kind.startsWith('preflight') && row.ratios.rpsCeiling.median < 1.2)
  if (unreachable.length > 0) lines.push(`  - Bare Fastify itself is below 1.2x @fastify/cors on: ${unreachable.map(row => `${row.scenario.label} ${formatRatio(row.ratios.rpsCeiling.median)}`).join('; ')}; there, 1.2x is out of reach for any plugin that answers from a Fastify hook.`)
  if (micro !== undefined) {
    lines.push(`- Origin decision cost flat from 1 to 10,000 exact origins: ${verdict(micro.flatness.flat)} as "does not grow with the list": ${flatnessLine(micro.flatness)}`)
  }
  return lines.join('\n')
}

/** How much other processes ran during the measured runs (machine busy time from /proc/stat minus the server's and the generator's). */
function contentionLine (summary, opts, retried) {
  const foreign = summary.flatMap(row => row.foreign).filter(Number.isFinite)
  if (foreign.length === 0) return '- Other processes\' CPU during the runs: not measured (no /proc/stat).'
  const contended = foreign.filter(value => value > opts.maxForeign).length
  return `- Other processes' CPU during the measured runs (machine busy time from /proc/stat minus the server's and the generator's): median ${formatFixed(median(foreign), 2)} cores, max ${formatFixed(max(foreign), 2)}; ${contended} of ${foreign.length} runs above ${opts.maxForeign} cores` +
    (opts.retries > 0 ? `, ${retried} scenario-rounds measured again (up to ${opts.retries} times each)` : ' (no retries: --retries 0)') +
    (median(foreign) > opts.maxForeign ? '. **The machine was busy with other work: expect wide ranges, and read the ratios with their per-round ranges.**' : '.')
}

function report ({ opts, summary, micro, inProcess, pinned, started, elapsed, loadStart, retried }) {
  const cpus = os.cpus()
  const header = [
    '# fastify-cors-exact benchmark',
    '',
    `- Date: ${started.toISOString()} (${Math.round(elapsed / 1000)} s); load average ${loadStart.map(l => l.toFixed(2)).join(' ')} at the start, ${os.loadavg().map(l => l.toFixed(2)).join(' ')} at the end`,
    `- Node ${process.version} on ${os.platform()} ${os.arch()}; CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores (available parallelism ${PARALLELISM} before pinning)`,
    `- Settings: ${opts.http ? `rounds ${opts.rounds}, ${opts.amount} requests per measured run after ${opts.warmup} warm-up requests, ${opts.connections} connections, no pipelining, 127.0.0.1 only` : 'microbenchmark only'}` +
      `${opts.http ? `; servers ${pinned ? 'pinned to CPU 1, load generator to CPU 0 (taskset)' : 'not pinned'}` : ''}${opts.micro ? `; microbenchmark passes ${opts.microPasses}` : ''}`,
    '- Command: `npm run bench' + (process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : '') + '`'
  ]
  const parts = [header.join('\n')]
  if (opts.http) {
    const { throughput, cpu, user, quiet } = tables(summary)
    const generator = max(summary.map(row => row.generatorCpu))
    parts.push([
      '## Method',
      '',
      '- Variants: **bare** Fastify (no CORS; for preflights, a plain `OPTIONS` route answering 204), **hand-written hook** (the same answers as ours written by hand in one global `onRequest` hook, bench/floor.js: the floor), **@fastify/cors** 11.4.3 and **ours** (fastify-cors-exact, `dist/esm`), each server in its own child process; the load generator (autocannon) is the orchestrator process.',
      '- Same options for both plugins: `credentials: true, methods: [GET, POST], allowedHeaders: [content-type, x-api-key], exposedHeaders: [x-request-id], maxAge: 600`. Allowlists: `https://appN.example.com`; the allowed request uses the middle entry (N = 50 of 100, 5000 of 10,000). The 1-origin list is passed to @fastify/cors as a string (a fixed origin, as ours compiles a one-item list). The 100 patterns `https://*.tenantN.example.com` are given to @fastify/cors as anchored RegExps `' + String(regexpList(1)[0]).replace('tenant0', 'tenantN') + '` (one or more labels, the same meaning); allowed origin `https://app.tenant50.example.com`.',
      '- Disallowed origin: `https://evil.example.net`. Preflights: `OPTIONS /api/items` with `Access-Control-Request-Method: POST` and `Access-Control-Request-Headers: content-type,x-api-key`. A rejected preflight is a 403 from ours; @fastify/cors never refuses one (204 without Access-Control-Allow-Origin).',
      '- Override: route `/api/partner` with `config.cors: { origin: [partner-a, partner-b], credentials: false, exposedHeaders: [x-partner] }`; both plugins read a route\'s `config.cors` (ours compiles it once at startup, @fastify/cors merges it into its options on each request). Measured: an allowed GET from partner-b. (For preflights @fastify/cors does not apply route config, its `OPTIONS *` route has none, so only the actual request is compared.)',
      `- First every server gets ${Math.max(opts.warmup * 3, opts.amount)} warm-up requests of each scenario. Then each round runs every scenario with the three variants in a rotating order, each after its own warm-up of ${opts.warmup} requests. Ratios are computed within each round and their median is shown (not a ratio of medians). Cells: median (min–max over rounds). CPU: the server process's user+system CPU time (process.cpuUsage(), all threads) over the measured run, divided by the responses; it includes connection setup and teardown.`,
      `- Load generator CPU peaked at ${Math.round(generator * 100)}% of one core${generator > 0.9 ? ' — it may cap throughput; trust the CPU table first' : ' (not the bottleneck)'}.`,
      contentionLine(summary, opts, retried)
    ].join('\n'))
    parts.push(`## Throughput (requests/s)\n\n${throughput}`)
    parts.push(`## Server CPU per request (µs)\n\n${cpu}`)
    parts.push(`## Server user-space CPU per request (µs), medians and per-round ratios\n\nThe same runs, user time only: the plugins' work is all in user space, while the kernel's share (loopback TCP, about half of the total here) is the noisiest part on a shared machine.\n\n${user}`)
    parts.push(`## Per-round ratios over quiet rounds only\n\nThe same runs, keeping only the rounds in which no variant's run shared the machine with more than ${opts.maxForeign} cores of other work (median (min–max) of the per-round ratios).\n\n${quiet}`)
  }
  if (inProcess !== undefined) parts.push(inProcess.markdown)
  if (micro !== undefined) parts.push(`## Decision microbenchmark (no HTTP)\n\n${micro.markdown}`)
  parts.push(`## Targets (checked, not asserted)\n\n${[targets(summary, micro), ...(inProcess?.targets ?? [])].filter(Boolean).join('\n')}`)
  return parts.join('\n\n') + '\n'
}

// --------------------------------------------------------------------- main

async function main () {
  const opts = settings()
  const started = new Date()
  const loadStart = os.loadavg()
  const scenarios = allScenarios().filter(s => opts.only.length === 0 || opts.only.some(part => s.id.includes(part)))
  if (opts.http && scenarios.length === 0) throw new Error(`--only ${opts.only.join(',')} matches no scenario; ids: ${allScenarios().map(s => s.id).join(', ')}`)
  let summary = []
  let pinned = false
  let retried = 0

  if (opts.http) {
    const servers = new Map()
    const stop = () => Promise.all([...servers.values()].map(server => server.close()))
    process.once('SIGINT', () => { stop().finally(() => process.exit(130)) })
    try {
      const canPin = opts.pin && os.cpus().length >= 2
      pinned = canPin && pin(process.pid, 0)
      const configs = [...new Set(scenarios.map(s => s.config))]
      for (const config of configs) {
        for (const variant of BENCH_VARIANTS) {
          const server = await new Server(variant, config).ready()
          if (pinned) pin(server.child.pid, 1)
          servers.set(`${variant}/${config}`, server)
        }
      }
      log(`bench: ${servers.size} servers up; ${scenarios.length} scenarios × ${BENCH_VARIANTS.length} variants × ${opts.rounds} rounds, ${opts.amount} requests each${pinned ? ', pinned' : ''}`)

      // Check that every variant answers each scenario as expected (equivalent configuration).
      for (const scenario of scenarios) {
        for (const variant of BENCH_VARIANTS) {
          const { status, headers } = await probe(servers.get(`${variant}/${scenario.config}`).port, scenario.request)
          const [wantStatus, wantAllowOrigin] = scenario.expect[variant]
          const hasAllowOrigin = headers['access-control-allow-origin'] !== undefined
          if (status !== wantStatus || hasAllowOrigin !== wantAllowOrigin) {
            throw new Error(`${scenario.id} on ${variant}: got ${status} with${hasAllowOrigin ? '' : 'out'} Access-Control-Allow-Origin, expected ${wantStatus} with${wantAllowOrigin ? '' : 'out'}`)
          }
        }
      }

      // A first, longer warm-up of every server on every request it will see, so that
      // round 1 does not measure a server whose JIT has not settled.
      const firstWarmup = Math.max(opts.warmup * 3, opts.amount)
      log(`bench: initial warm-up, ${firstWarmup} requests per scenario and variant`)
      for (const scenario of scenarios) {
        for (const variant of BENCH_VARIANTS) await load(servers.get(`${variant}/${scenario.config}`).port, scenario.request, firstWarmup, opts.connections)
      }

      const results = new Map(scenarios.map(s => [s.id, []]))
      for (let round = 0; round < opts.rounds; round++) {
        const roundStart = Date.now()
        for (const [index, scenario] of scenarios.entries()) {
          let entry
          for (let attempt = 0; ; attempt++) {
            entry = {}
            for (const variant of rotate(BENCH_VARIANTS, round + index)) {
              const run = await measure(servers.get(`${variant}/${scenario.config}`), scenario.request, opts)
              if (run.errors > 0 || run.responses !== opts.amount) throw new Error(`${scenario.id} on ${variant}: ${run.errors} errors, ${run.responses}/${opts.amount} responses`)
              const [wantStatus] = scenario.expect[variant]
              if (run.statuses[wantStatus] !== opts.amount) throw new Error(`${scenario.id} on ${variant}: statuses ${JSON.stringify(run.statuses)}, expected ${opts.amount} × ${wantStatus}`)
              entry[variant] = run
            }
            const contended = BENCH_VARIANTS.some(v => entry[v].foreign > opts.maxForeign)
            if (!contended || attempt >= opts.retries) break
            retried++
            log(`round ${round + 1}/${opts.rounds} ${scenario.id}: other processes used up to ${formatFixed(max(BENCH_VARIANTS.map(v => entry[v].foreign)), 2)} cores, measuring again`)
          }
          results.get(scenario.id).push(entry)
          log(`round ${round + 1}/${opts.rounds} ${scenario.id.padEnd(36)} foreign ${BENCH_VARIANTS.map(v => formatFixed(entry[v].foreign, 2)).join('/')} req/s ${BENCH_VARIANTS.map(v => `${v} ${formatInt(entry[v].rps)}`).join(', ')}; CPU µs/req ${BENCH_VARIANTS.map(v => `${v} ${formatFixed(entry[v].cpuPerRequest, 1)}`).join(', ')}`)
        }
        log(`round ${round + 1} took ${Math.round((Date.now() - roundStart) / 1000)} s`)
      }
      summary = summarize(scenarios, results, opts.maxForeign)
    } finally {
      await stop()
    }
  }

  const inProcess = opts.inprocess ? await runInProcess({ rounds: opts.rounds, warmup: opts.warmup, amount: opts.amount, only: opts.only, log }) : undefined
  const micro = opts.micro ? await runMicro({ passes: opts.microPasses, log }) : undefined
  const markdown = report({ opts, summary, micro, inProcess, pinned, started, loadStart, retried, elapsed: Date.now() - started.getTime() })
  writeFileSync(opts.out, markdown)
  process.stdout.write(markdown)
  log(`bench: written to ${opts.out}`)
}

await main()
