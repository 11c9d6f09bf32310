// Property: random configurations and random (valid, near-valid and garbage)
// requests, sent through fastify.inject and checked against an independent
// model of what the plugin must answer (random-apps/: the models, what
// fast-check draws, the oracle). Invalid configurations must fail at
// registration with an FST_CORS_* code; everything else must answer without a
// 5xx, with valid header values, deterministically, and never grant a
// disallowed origin.
//
// Reproduce a failure with the seed and path that fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx tap test/properties/random-apps.test.ts --disable-coverage
// Run longer with FUZZ_RUNS=<n> (the default, 400, takes a few seconds).
import { test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { build, handled } from './random-apps/app.js'
import { scenarioArb, type Req } from './random-apps/arbitraries.js'
import { functionCalls, isValid, mergeModels, type AppModel } from './random-apps/options.js'
import { check } from './random-apps/oracle.js'
import { MAX_ORIGIN_LENGTH, MAX_REQUEST_HEADERS_LENGTH } from './random-apps/syntax.js'

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20240611
const RUNS = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : 400
const REPEAT = 3
const PATH = process.env.FUZZ_PATH

// An Origin over MAX_ORIGIN_LENGTH must never reach a RegExp: while one is in
// flight, every RegExp execution on exactly that string is recorded.
let watchedOrigin: string | undefined
const regexpRuns: string[] = []
const nativeExec = RegExp.prototype.exec
function spyExec (this: RegExp, input: string): RegExpExecArray | null {
  if (watchedOrigin !== undefined && input === watchedOrigin) regexpRuns.push(String(this))
  return nativeExec.call(this, input)
}

function toInject (req: Req): InjectOptions {
  const headers: Record<string, string> = {}
  if (req.origin !== undefined) headers.origin = req.origin.value
  if (req.kind === 'preflight') {
    headers['access-control-request-method'] = req.acrm
    if (req.acrh !== undefined) headers['access-control-request-headers'] = req.acrh
    if (req.privateNetwork) headers['access-control-request-private-network'] = 'true'
  }
  return { method: req.kind === 'preflight' ? 'OPTIONS' : req.kind, url: req.path, headers }
}

function describeModel (model: AppModel): string {
  return JSON.stringify(model, (_key, value: unknown) => value instanceof RegExp ? String(value) : value)
}

function describeReq (req: Req): string {
  const show = (s: string | undefined) => s === undefined ? '-' : JSON.stringify(s.length > 60 ? `${s.slice(0, 40)}...(${s.length} chars)` : s).replace(/[^\x20-\x7e]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  return `${req.kind} ${req.path} origin=${show(req.origin?.value)}${req.kind === 'preflight' ? ` acrm=${show(req.acrm)} acrh=${show(req.acrh)}${req.privateNetwork ? ' pna' : ''}` : ''}`
}

function snapshot (res: LightMyRequestResponse, handledNow: string[]): string {
  const headers = { ...res.headers }
  delete headers.date
  return JSON.stringify([res.statusCode, headers, res.body, handledNow])
}

test('random configurations and requests: startup validation, no 5xx, valid headers, correct and stable decisions', async t => {
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs (set FUZZ_SEED / FUZZ_RUNS to change)`)
  const stats = { configs: 0, refusedAtStartup: 0, requests: 0, granted: 0, reflected: 0, preflightsGranted: 0, rejected: 0 }
  let worst = { ms: 0, what: '' }
  let worstOversized = { ms: 0, what: '' }
  const durations: number[] = []
  const refusalCodes: Record<string, number> = {}
  const preflightOutcomes: Record<string, number> = {}
  // eslint-disable-next-line no-extend-native -- a spy, restored after the test
  RegExp.prototype.exec = spyExec
  // eslint-disable-next-line no-extend-native -- a spy, restored after the test
  t.teardown(() => { RegExp.prototype.exec = nativeExec })

  await fc.assert(fc.asyncProperty(scenarioArb, async scenario => {
    try {
      await runScenario(scenario)
    } catch (error) {
      // Line separators in generated strings would break the TAP stream.
      throw new Error(String((error as Error).message).replace(/[\u0085\u2028\u2029]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')))
    }
  }), { numRuns: RUNS, seed: SEED, ...(PATH !== undefined ? { path: PATH } : {}) })

  async function runScenario ([model, requests]: [AppModel, Req[]]): Promise<void> {
    stats.configs++
    const merged = model.override === undefined || model.override === false ? model.scope : mergeModels(model.scope, model.override)
    const expectValid = isValid(model.scope) && isValid(merged)
    let app: FastifyInstance
    try {
      app = await build(model)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (typeof code !== 'string' || !code.startsWith('FST_CORS_')) throw new Error(`registration failed without an FST_CORS_ code: ${String(error)}\nmodel: ${describeModel(model)}`)
      if (expectValid) throw new Error(`a valid configuration was refused: ${String(error)}\nmodel: ${describeModel(model)}`)
      stats.refusedAtStartup++
      refusalCodes[code] = (refusalCodes[code] ?? 0) + 1
      return
    }
    try {
      if (!expectValid) throw new Error(`an invalid configuration was accepted\nmodel: ${describeModel(model)}`)
      for (const req of requests) {
        let first: string | undefined
        for (let i = 0; i < REPEAT; i++) {
          functionCalls.length = 0
          handled.length = 0
          regexpRuns.length = 0
          watchedOrigin = req.origin !== undefined && req.origin.value.length > MAX_ORIGIN_LENGTH ? req.origin.value : undefined
          const started = performance.now()
          const res = await app.inject(toInject(req))
          const ms = performance.now() - started
          watchedOrigin = undefined
          if (regexpRuns.length > 0) throw new Error(`${describeReq(req)}: an over-long Origin reached RegExps ${regexpRuns.join(', ')}`)
          if (ms > worst.ms) worst = { ms, what: describeReq(req) }
          const oversized = (req.origin?.value.length ?? 0) > MAX_ORIGIN_LENGTH || (req.kind === 'preflight' && (req.acrh?.length ?? 0) > MAX_REQUEST_HEADERS_LENGTH)
          if (oversized && ms > worstOversized.ms) worstOversized = { ms, what: describeReq(req) }
          durations.push(ms)
          stats.requests++
          const handledNow = [...handled]
          const problems = check(model, req, res, [...functionCalls], handledNow)
          if (problems.length > 0) throw new Error(`${describeReq(req)} (attempt ${i + 1}) -> ${res.statusCode}: ${problems.join('; ')}\nresponse headers: ${JSON.stringify(res.headers)}\nresponse body: ${JSON.stringify(res.body.slice(0, 200))}\nmodel: ${describeModel(model)}`)
          const shot = snapshot(res, handledNow)
          if (first === undefined) first = shot
          else if (shot !== first) throw new Error(`${describeReq(req)}: attempt ${i + 1} answered differently:\n${first}\n${shot}`)
          if (i === 0) {
            const acao = res.headers['access-control-allow-origin']
            if (acao !== undefined) stats.granted++
            if (acao !== undefined && acao === req.origin?.value) stats.reflected++
            if (req.kind === 'preflight' && res.statusCode < 300 && acao !== undefined && !res.body.startsWith('CORS')) stats.preflightsGranted++
            if (res.statusCode === 403 && req.kind !== 'preflight') stats.rejected++
            if (req.kind === 'preflight') { const k = res.body.startsWith('CORS') ? res.body.slice(0, 50) : String(res.statusCode); preflightOutcomes[k] = (preflightOutcomes[k] ?? 0) + 1 }
          }
        }
      }
    } finally {
      await app.close()
    }
  }

  t.comment(`stats: ${JSON.stringify(stats)}`)
  t.comment(`startup refusals: ${JSON.stringify(refusalCodes)}`)
  t.comment(`preflight outcomes: ${JSON.stringify(preflightOutcomes)}`)
  durations.sort((a, b) => a - b)
  const percentile = (p: number) => durations[Math.min(durations.length - 1, Math.floor(durations.length * p))].toFixed(2)
  t.comment(`request durations (inject, ${durations.length} requests): median ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms, worst ${worst.ms.toFixed(2)} ms (${worst.what})`)
  t.comment(`worst request with an Origin or header list over the caps: ${worstOversized.ms.toFixed(2)} ms (${worstOversized.what})`)
  // The properties must have been exercised, not passed vacuously.
  t.ok(stats.configs - stats.refusedAtStartup > RUNS / 5, 'many configurations were valid')
  t.ok(stats.refusedAtStartup > 0, 'some configurations were refused at startup')
  t.ok(stats.reflected > 0 && stats.preflightsGranted > 0 && stats.rejected > 0, 'origins were reflected, preflights granted and requests rejected')
})
