// The oracle: what a response must say, as far as the models can tell.
import type { LightMyRequestResponse } from 'fastify'
import { decision, toList, type AppModel, type Decision, type Model } from './options.js'
import { policyOf, routeFor } from './app.js'
import type { Req } from './arbitraries.js'
import { TCHAR, parseRequestHeaders, parseSerialized } from './syntax.js'

export const VALID_HEADER_VALUE = /^[\t\x20-\x7e]*$/

export function headerList (value: unknown): string[] {
  return value === undefined ? [] : String(value).split(',').map(s => s.trim().toLowerCase()).filter(s => s.length > 0)
}

/** What a response must say, as far as the model can tell; an array of problems. */
export function check (model: AppModel, req: Req, res: LightMyRequestResponse, calls: string[], handledNow: string[]): string[] {
  const problems: string[] = []
  const fail = (message: string) => problems.push(message)
  const h = res.headers
  const acao = h['access-control-allow-origin'] as string | undefined
  const origin = req.origin?.value

  // Invariants that hold whatever the configuration.
  if (res.statusCode >= 500) fail(`status ${res.statusCode}: ${res.body.slice(0, 200)}`)
  for (const [name, value] of Object.entries(h)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (!VALID_HEADER_VALUE.test(String(v))) fail(`header ${name} has an invalid value ${JSON.stringify(v)}`)
    }
  }
  if (acao === '*' && h['access-control-allow-credentials'] !== undefined) fail("'*' together with Access-Control-Allow-Credentials")
  if (origin !== undefined && /[\r\n]/.test(origin) && res.body.includes(origin)) fail('the body reflects an Origin with CR/LF')
  for (const call of calls) {
    if (parseSerialized(call) === undefined) fail(`the origin function was called with ${JSON.stringify(call.slice(0, 80))} (length ${call.length})`)
  }
  if (req.origin?.invalid === true && parseSerialized(req.origin.value) !== undefined) fail(`model error: ${JSON.stringify(req.origin.value)} was generated as invalid`)
  if (acao !== undefined && acao !== '*' && parseSerialized(acao) === undefined) fail(`Access-Control-Allow-Origin ${JSON.stringify(acao)} is not a serialized origin`)

  const isPreflight = req.kind === 'preflight' && origin !== undefined
  const method = req.kind === 'preflight' ? 'OPTIONS' : req.kind
  // The route the (actual) request reaches; a 404 has the scope's policy.
  const route = routeFor(model, isPreflight ? req.acrm : method, req.path)
  const effective: Model | undefined = route === undefined ? model.scope : policyOf(model, route)
  const d: Decision = effective === undefined ? { kind: 'off' } : decision(effective)
  const vary = headerList(h.vary)

  if (!isPreflight) {
    const sameOrigin = origin === 'http://localhost'
    let allowedValue: string | undefined
    if (d.kind === 'static') allowedValue = d.value
    else if (d.kind === 'dynamic' && origin !== undefined) allowedValue = d.decide(origin)
    const allowed = d.kind === 'static' ? origin === undefined || d.allows(origin) : allowedValue !== undefined
    // A request that only a preflight lets a browser send (here: a method other than
    // GET, HEAD and POST) is refused when its own route's policy refuses its origin or method.
    const listed = toList(effective?.methods)?.map(m => m.toUpperCase())
    const methodRefused = listed !== undefined && !listed.includes('*') && !listed.includes(method)
    const checked = (effective ?? model.scope).checkActualRequests !== false && !['GET', 'HEAD', 'POST'].includes(method) &&
      origin !== undefined && !sameOrigin && (d.kind === 'off' || !allowed || methodRefused)
    const rejected = checked || (d.kind !== 'off' && effective?.rejectDisallowed === true && origin !== undefined && !allowed && !sameOrigin)
    if (rejected) {
      if (res.statusCode !== 403) fail(`rejected request: expected 403, got ${res.statusCode}`)
      if (handledNow.length > 0) fail(`rejected request: the handler ran (${handledNow.join()})`)
      if (acao !== undefined && !(d.kind === 'static' && acao === d.value) && !(allowed && acao === allowedValue)) fail(`a rejected request got Access-Control-Allow-Origin ${acao}`)
    } else {
      if (res.statusCode === 403) fail('unexpected 403')
      if (route !== undefined && handledNow.length !== 1) fail(`handler calls: ${handledNow.length}`)
      if (acao !== allowedValue) fail(`Access-Control-Allow-Origin: expected ${JSON.stringify(allowedValue)}, got ${JSON.stringify(acao)}`)
      const credentials = acao !== undefined && effective?.credentials === true
      if ((h['access-control-allow-credentials'] === 'true') !== credentials) fail(`Access-Control-Allow-Credentials: expected ${credentials}`)
      const exposed = toList(effective?.exposedHeaders) ?? []
      if (acao !== undefined && exposed.length > 0 && h['access-control-expose-headers'] !== exposed.join(', ')) fail(`Access-Control-Expose-Headers: ${h['access-control-expose-headers']}`)
      if (acao === undefined && h['access-control-expose-headers'] !== undefined) fail('Access-Control-Expose-Headers without a grant')
    }
    // The answer depends on Origin when it is decided per origin; when one fixed
    // origin comes with rejectDisallowed (the status then depends on Origin); when
    // the actual-request check may refuse the request for its origin (CORS off,
    // one exact origin, or '*' with a `methods` list: the plugin does not look
    // whether this method is listed); and for an OPTIONS request, which an Origin
    // (with Access-Control-Request-Method) would make a preflight.
    const mayBeChecked = (effective ?? model.scope).checkActualRequests !== false && !['GET', 'HEAD', 'POST'].includes(method) &&
      (d.kind !== 'static' || d.value !== '*' || (listed !== undefined && !listed.includes('*')))
    const dependsOnOrigin = method === 'OPTIONS' || d.kind === 'dynamic' || mayBeChecked ||
      (d.kind === 'static' && d.value !== '*' && effective?.rejectDisallowed === true)
    if (handledNow.includes('/varystar')) {
      if (h.vary !== '*') fail(`Vary '*' became ${JSON.stringify(h.vary)}`)
    } else if (dependsOnOrigin) {
      if (!vary.includes('origin')) fail(`missing Vary: Origin (vary: ${JSON.stringify(h.vary)})`)
    } else if (vary.includes('origin')) {
      // A fixed answer must not fragment caches.
      fail(`Vary: Origin on a response that does not depend on Origin (vary: ${JSON.stringify(h.vary)})`)
    }
    if (handledNow.includes('/vary') && !vary.includes('accept-encoding')) fail(`the handler's Vary was lost: ${JSON.stringify(h.vary)}`)
    if (res.statusCode === 404 && model.notFoundVary && !vary.includes('accept-language')) fail(`the not-found handler's Vary was lost: ${JSON.stringify(h.vary)}`)
    return problems
  }

  // Preflights. A preflight never reaches a handler unless asked to continue.
  const scope = model.scope
  const continues = scope.preflightContinue === true || scope.preflight === false
  if (!continues && handledNow.length > 0) fail(`a preflight reached a handler (${handledNow.join()})`)
  const body = res.body
  const refusedBody = body.startsWith('CORS preflight refused')
  const granted = res.statusCode >= 200 && res.statusCode < 300 && !refusedBody
  if (continues || effective?.preflight === false) return problems

  const allowedBy = (policy: Model | undefined): string | undefined => {
    const d = policy === undefined ? { kind: 'off' as const } : decision(policy)
    return d.kind === 'static' ? (d.allows(origin) ? d.value : undefined) : d.kind === 'dynamic' ? d.decide(origin) : undefined
  }
  const target = effective
  const allowOrigin = allowedBy(target)
  if (acao !== undefined && acao !== allowOrigin) fail(`preflight Access-Control-Allow-Origin: expected ${JSON.stringify(allowOrigin)}, got ${JSON.stringify(acao)}`)
  if (allowOrigin === undefined || target === undefined) {
    if (granted) fail('a preflight was granted for a refused origin or a route without CORS')
    if (res.statusCode !== 403) fail(`a refused preflight answered ${res.statusCode}`)
    if (target !== undefined && decision(target).kind === 'dynamic' && !vary.includes('origin')) fail(`refused preflight without Vary: Origin (vary: ${JSON.stringify(h.vary)})`)
    return problems
  }
  const credentials = target.credentials === true
  const methods = toList(target.methods)?.map(m => m.toUpperCase())
  const methodOk = TCHAR.test(req.acrm) && (methods === undefined || methods.includes(req.acrm) || (methods.includes('*') && !credentials))
  const parsed = parseRequestHeaders(req.acrh)
  const allowedList = toList(target.allowedHeaders)
  const allowedNames = allowedList?.filter(n => n !== '*').map(n => n.toLowerCase())
  const anyHeader = allowedList?.includes('*') === true
  const headersOk = parsed !== undefined && (allowedNames === undefined || parsed.every(n => allowedNames.includes(n) || (anyHeader && n !== 'authorization')))
  const shouldGrant = methodOk && headersOk
  const status = target.optionsSuccessStatus ?? 204
  if (decision(target).kind === 'dynamic' && !vary.includes('origin')) fail(`preflight without Vary: Origin (vary: ${JSON.stringify(h.vary)})`)
  if (shouldGrant !== granted) {
    fail(`preflight ${granted ? 'granted' : 'refused'} (${res.statusCode} ${JSON.stringify(body.slice(0, 80))}), expected ${shouldGrant ? 'granted' : 'refused'} (method ok: ${methodOk}, headers ok: ${headersOk})`)
    return problems
  }
  if (!granted) {
    // debug: a 200 whose body names the reason (a 204 could carry no body).
    if (res.statusCode !== (target.debug === true ? 200 : 403)) fail(`refused preflight status ${res.statusCode}`)
    return problems
  }
  if (res.statusCode !== status) fail(`granted preflight status ${res.statusCode}, expected ${status}`)
  if (body !== '') fail('granted preflight has a body')
  if (acao !== allowOrigin) fail('granted preflight without Access-Control-Allow-Origin')
  if ((h['access-control-allow-credentials'] === 'true') !== credentials) fail('preflight Access-Control-Allow-Credentials')
  // The requested method alone: another method at the URL may be another route with another policy.
  if (h['access-control-allow-methods'] !== req.acrm) fail(`Access-Control-Allow-Methods ${JSON.stringify(h['access-control-allow-methods'])}, expected ${req.acrm}`)
  const acah = headerList(h['access-control-allow-headers'])
  for (const name of parsed ?? []) {
    if (!acah.includes(name) && !(acah.includes('*') && name !== 'authorization')) fail(`Access-Control-Allow-Headers ${h['access-control-allow-headers']} does not cover ${name}`)
  }
  if (allowedNames === undefined) {
    for (const name of acah) if (!(parsed ?? []).includes(name)) fail(`Access-Control-Allow-Headers reflects ${name}, which was not requested`)
    if (parsed !== undefined && parsed.length > 0 && !vary.includes('access-control-request-headers')) fail('reflected Access-Control-Allow-Headers without Vary')
  }
  const maxAge = target.maxAge
  if (h['access-control-max-age'] !== (maxAge === undefined ? undefined : String(maxAge))) fail(`Access-Control-Max-Age ${h['access-control-max-age']}`)
  const pna = target.allowPrivateNetwork === true && req.privateNetwork
  if ((h['access-control-allow-private-network'] === 'true') !== pna) fail('Access-Control-Allow-Private-Network')
  return problems
}
