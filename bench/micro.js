// Microbenchmark of the per-request CORS decision alone (no HTTP): the origin
// lookup plus the choice of response headers for an actual request, against
// allowlists of 1, 100, 1,000 and 10,000 exact origins and of 100 patterns.
//
//   node bench/micro.js [--quick] [--passes N]     (after `npm run build`)
//
// Each (implementation, allowlist) runs in its own child process, so that one
// allowlist's code paths do not make the other's call sites polymorphic. Each
// decision gets a fresh flat Origin string, as a request brings (no cached
// hash); the loop alone ("baseline") is measured and subtracted.
//
// "reference" is the decision of @fastify/cors 11.4.3 (addCorsHeadersHandler:
// options spread, getAccessControlAllowOriginHeader, addCorsHeaders), copied
// here under its MIT license because it is not exported, to show a linear scan
// next to ours.
import { spawn } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { COMMON_OPTIONS, DISALLOWED_ORIGIN, exactList, exactOrigin, patternList, regexpList } from './configs.js'
import { formatFixed, markdownTable, median, rotate } from './stats.js'

const SELF = fileURLToPath(import.meta.url)

export const MICRO_SIZES = {
  exact1: { label: '1 exact origin', ours: () => [exactOrigin(0)], reference: () => exactOrigin(0), allowed: exactOrigin(0) },
  exact100: { label: '100 exact origins', ours: () => exactList(100), reference: () => exactList(100), allowed: exactOrigin(50) },
  exact1000: { label: '1,000 exact origins', ours: () => exactList(1000), reference: () => exactList(1000), allowed: exactOrigin(500) },
  exact10000: { label: '10,000 exact origins', ours: () => exactList(10000), reference: () => exactList(10000), allowed: exactOrigin(5000) },
  patterns100: { label: '100 patterns', ours: () => patternList(100), reference: () => regexpList(100), allowed: 'https://app.tenant50.example.com' }
}
const IMPLS = ['ours', 'reference']
const OPS = ['baseline', 'allowed', 'disallowed']
const POOL = 2048
const SAMPLE_NS = 1e6
const OP_BUDGET_NS = 300e6
const MIN_REPS = 15
const MAX_REPS = 400

// ---------------------------------------------------------------- worker side

async function oursDecider (size) {
  const { resolveOptions } = await import('../dist/esm/lib/config/options.js')
  const { compilePolicy } = await import('../dist/esm/lib/policy/policy.js')
  const { resolved, problems } = resolveOptions({ ...COMMON_OPTIONS, origin: MICRO_SIZES[size].ours() })
  if (problems.length > 0) throw new Error(JSON.stringify(problems))
  const policy = compilePolicy(resolved)
  const request = {}
  // What lib/request/actual.ts handleActual does, with an array standing in for reply.header().
  return function decide (origin, out) {
    const allow = policy.allow(origin, request)
    if (allow === undefined) {
      const ungranted = policy.ungrantedHeaders
      for (let i = 0; i < ungranted.length; i++) out.push(ungranted[i][0], ungranted[i][1])
      return out.length
    }
    out.push('access-control-allow-origin', allow)
    const headers = policy.actualHeaders
    for (let i = 0; i < headers.length; i++) out.push(headers[i][0], headers[i][1])
    return out.length
  }
}

function referenceDecider (size) {
  // normalizeCorsOptions: the plugin's defaults, then the options.
  const defaults = { origin: '*', methods: 'GET,HEAD,POST', hook: 'onRequest', preflightContinue: false, optionsSuccessStatus: 204, credentials: false, exposedHeaders: null, allowedHeaders: null, maxAge: null, preflight: true, strictPreflight: true }
  const globalOptions = { ...defaults, ...COMMON_OPTIONS, origin: MICRO_SIZES[size].reference(), cacheControl: null, dynamic: false }
  const routeConfig = {}
  function isRequestOriginAllowed (reqOrigin, allowedOrigin) {
    if (Array.isArray(allowedOrigin)) {
      for (let i = 0; i < allowedOrigin.length; ++i) {
        if (isRequestOriginAllowed(reqOrigin, allowedOrigin[i])) return true
      }
      return false
    } else if (typeof allowedOrigin === 'string') {
      return reqOrigin === allowedOrigin
    } else if (allowedOrigin instanceof RegExp) {
      allowedOrigin.lastIndex = 0
      return allowedOrigin.test(reqOrigin)
    }
    return !!allowedOrigin
  }
  function getAccessControlAllowOriginHeader (reqOrigin, originOption) {
    if (Array.isArray(originOption) && originOption.indexOf('*') !== -1) return '*'
    if (typeof originOption === 'string') return originOption
    return isRequestOriginAllowed(reqOrigin, originOption) ? reqOrigin : false
  }
  return function decide (origin, out) {
    const options = { ...globalOptions, ...routeConfig.cors }
    if ((typeof options.origin !== 'string' && options.origin !== false) || options.dynamic) out.push('vary', 'Origin')
    const allow = getAccessControlAllowOriginHeader(origin, options.origin)
    if (allow) out.push('access-control-allow-origin', allow)
    if (options.credentials) out.push('access-control-allow-credentials', 'true')
    if (options.exposedHeaders !== null) out.push('access-control-expose-headers', Array.isArray(options.exposedHeaders) ? options.exposedHeaders.join(', ') : options.exposedHeaders)
    return out.length
  }
}

async function worker (impl, size) {
  const decide = impl === 'ours' ? await oursDecider(size) : referenceDecider(size)
  const bytes = { allowed: Buffer.from(MICRO_SIZES[size].allowed, 'latin1'), disallowed: Buffer.from(DISALLOWED_ORIGIN, 'latin1') }
  const out = []
  let sink = 0
  // One sample: `n` fresh flat strings decoded from bytes, as the HTTP parser
  // makes them (no cached hash, still in cache), each decided once.
  const sample = (op, n) => {
    const buffer = op === 'disallowed' ? bytes.disallowed : bytes.allowed
    const length = buffer.length
    const pool = new Array(n)
    for (let i = 0; i < n; i++) pool[i] = buffer.latin1Slice(0, length)
    const start = process.hrtime.bigint()
    if (op === 'baseline') {
      for (let i = 0; i < n; i++) {
        out.length = 0
        sink += pool[i].length + out.length
      }
    } else {
      for (let i = 0; i < n; i++) {
        out.length = 0
        sink += decide(pool[i], out)
      }
    }
    return Number(process.hrtime.bigint() - start) / n
  }
  // Warm up, then size the samples: about SAMPLE_NS each, about OP_BUDGET_NS per operation in all.
  const plan = {}
  for (const op of OPS) {
    for (let i = 0; i < 50; i++) sample(op, 256)
    const estimate = Math.max(1, median(Array.from({ length: 9 }, () => sample(op, 256))))
    const n = Math.min(POOL, Math.max(16, Math.round(SAMPLE_NS / estimate)))
    plan[op] = { n, reps: Math.min(MAX_REPS, Math.max(MIN_REPS, Math.round(OP_BUDGET_NS / (n * estimate)))) }
  }
  const samples = Object.fromEntries(OPS.map(op => [op, []]))
  const rounds = Math.max(...OPS.map(op => plan[op].reps))
  for (let rep = 0; rep < rounds; rep++) {
    for (const op of rotate(OPS, rep)) {
      if (rep < plan[op].reps) samples[op].push(sample(op, plan[op].n))
    }
  }
  const result = Object.fromEntries(OPS.map(op => [op, median(samples[op])]))
  process.stdout.write(JSON.stringify({ impl, size, result, sink: sink > 0 }) + '\n')
}

// ---------------------------------------------------------- orchestrator side

function runWorker (impl, size) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--worker', impl, size], { stdio: ['ignore', 'pipe', 'inherit'] })
    let text = ''
    child.stdout.on('data', (chunk) => { text += chunk })
    child.on('error', reject)
    child.on('close', (code) => code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`micro worker ${impl} ${size} exited with ${code}`)))
  })
}

/**
 * Runs every (implementation, allowlist) pair `passes` times, each pass in a
 * rotated order, and returns the median net ns per decision with its range.
 */
export async function runMicro ({ passes = 3, log = console.error } = {}) {
  const sizes = Object.keys(MICRO_SIZES)
  const pairs = IMPLS.flatMap(impl => sizes.map(size => [impl, size]))
  const collected = new Map(pairs.map(([impl, size]) => [`${impl}/${size}`, []]))
  for (let pass = 0; pass < passes; pass++) {
    const order = pass % 2 === 0 ? rotate(pairs, pass) : rotate(pairs, pass).reverse()
    for (const [impl, size] of order) {
      log(`micro: pass ${pass + 1}/${passes} ${impl} ${size}`)
      const { result } = await runWorker(impl, size)
      collected.get(`${impl}/${size}`).push({ allowed: result.allowed - result.baseline, disallowed: result.disallowed - result.baseline, baseline: result.baseline })
    }
  }
  const rows = pairs.map(([impl, size]) => {
    const perPass = collected.get(`${impl}/${size}`)
    const summary = (key) => {
      const values = perPass.map(pass => pass[key])
      return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
    }
    return { impl, size, allowed: summary('allowed'), disallowed: summary('disallowed'), baseline: summary('baseline') }
  })
  return { rows, passes, markdown: microMarkdown(rows, passes), flatness: flatness(rows) }
}

/**
 * Growth of our cost with the size of an exact allowlist, on the best pass
 * (interference from other processes only ever adds time). 100, 1,000 and
 * 10,000 origins are all Set lookups; 1 origin is a fixed origin (one comparison).
 */
function flatness (rows) {
  const best = (impl, size, key) => rows.find(row => row.impl === impl && row.size === size)[key].min
  const growth = (impl, key) => Math.max(best(impl, 'exact10000', key), 1) / Math.max(best(impl, 'exact100', key), 1)
  const result = {}
  for (const key of ['allowed', 'disallowed']) {
    result[key] = {
      cost: Object.fromEntries(['exact1', 'exact100', 'exact1000', 'exact10000'].map(size => [size, best('ours', size, key)])),
      growth100To10k: growth('ours', key),
      referenceGrowth100To10k: growth('reference', key)
    }
  }
  // Flat: 10,000 origins cost at most 1.5x what 100 cost (a linear scan would be 100x).
  result.flat = result.allowed.growth100To10k <= 1.5 && result.disallowed.growth100To10k <= 1.5
  return result
}

function microMarkdown (rows, passes) {
  const cell = (row, key) => {
    const { median, min } = row[key]
    return passes > 1 ? `${formatFixed(min, 0)} / ${formatFixed(median, 0)}` : formatFixed(median, 0)
  }
  const table = markdownTable(
    ['Allowlist', 'ours: allowed', 'ours: disallowed', 'reference: allowed', 'reference: disallowed'],
    Object.keys(MICRO_SIZES).map(size => {
      const ours = rows.find(row => row.impl === 'ours' && row.size === size)
      const reference = rows.find(row => row.impl === 'reference' && row.size === size)
      return [MICRO_SIZES[size].label, cell(ours, 'allowed'), cell(ours, 'disallowed'), cell(reference, 'allowed'), cell(reference, 'disallowed')]
    }),
    ['---', '---:', '---:', '---:', '---:']
  )
  const unit = passes > 1 ? `Nanoseconds per decision, best pass / median of ${passes} passes (each pass runs every case in its own process; other processes only ever add time, so the best pass is the cleaner figure)` : 'Nanoseconds per decision (one pass)'
  return `${unit}. Ours: \`policy.allow\` + \`policy.actualHeaders\` (or \`policy.ungrantedHeaders\`) from \`dist/esm/lib/policy/policy.js\`, as \`handleActual\` does. Reference: the per-request decision of @fastify/cors 11.4.3 (options spread, origin check, header values), copied. Allowed origin: the middle entry of the list (\`https://app.tenant50.example.com\` for the patterns); disallowed: \`${DISALLOWED_ORIGIN}\`. Each decision gets a fresh Origin string (no cached hash).\n\n${table}`
}

/** One line on how our cost grows with the allowlist, for run.js's targets and for `node bench/micro.js`. */
export function flatnessLine (f) {
  const ns = (value) => `${formatFixed(value, 0)} ns`
  const sizes = (key) => ['exact1', 'exact100', 'exact1000', 'exact10000'].map(size => ns(f[key].cost[size])).join(' / ')
  return `from 100 to 10,000 exact origins our decision costs ${formatFixed(f.allowed.growth100To10k, 2)}x (allowed) and ${formatFixed(f.disallowed.growth100To10k, 2)}x (disallowed) as much (criterion <= 1.5x; the linear scan of the reference: ${formatFixed(f.allowed.referenceGrowth100To10k, 0)}x). ` +
    `Best pass for 1 / 100 / 1,000 / 10,000 origins: ${sizes('allowed')} allowed, ${sizes('disallowed')} disallowed. ` +
    'One origin is cheaper because it compiles to a fixed origin (one string comparison, no Set lookup, no validation of a refused Origin); strictly from 1 to 10,000 the cost is therefore not flat, by the difference shown.'
}

// ---------------------------------------------------------------------- main

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const { values, positionals } = parseArgs({
    options: { worker: { type: 'boolean' }, quick: { type: 'boolean' }, passes: { type: 'string' } },
    allowPositionals: true
  })
  if (values.worker) {
    await worker(positionals[0], positionals[1])
  } else {
    const passes = Number(values.passes ?? process.env.BENCH_MICRO_PASSES ?? (values.quick ? 1 : 3))
    const result = await runMicro({ passes })
    console.log(result.markdown)
    console.log(`\nOurs: ${flatnessLine(result.flatness)}`)
  }
}
