// Vary: Origin on every response whose answer depends on the Origin (and on
// none whose answer does not), merged with whatever the handler set: a cache
// must never serve one origin's answer to another (shared/cors-facts.md).
import { test } from 'tap'
import { appWith, get, preflight, varyList } from '../fixtures/app.js'

const ok = async () => 'ok'

test('Vary: Origin is on every response of a dynamic policy and survives the handler', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.get('/', ok)
    app.get('/own-vary', async (_request, reply) => { reply.header('Vary', 'Accept-Encoding'); return 'ok' })
    app.get('/own-vary-origin', async (_request, reply) => { reply.header('vary', 'origin'); return 'ok' })
    app.get('/vary-star', async (_request, reply) => { reply.header('Vary', '*'); return 'ok' })
    app.get('/throws', async () => { throw Object.assign(new Error('nope'), { statusCode: 400 }) })
  })
  for (const [what, origin] of [['allowed', 'https://a.com'], ['disallowed', 'https://evil.com'], ['Origin-less', undefined], ['malformed', 'https://a.com/']] as const) {
    t.same(varyList(await get(app, '/', origin)), ['origin'], `${what} GET says Vary: Origin`)
    t.same(varyList(await get(app, '/throws', origin)), ['origin'], `${what} error response says Vary: Origin`)
    t.same(varyList(await get(app, '/not-found', origin)), ['origin'], `${what} 404 says Vary: Origin`)
    t.same(varyList(await get(app, '/own-vary', origin)), ['accept-encoding', 'origin'], `${what}: the handler's Vary is merged, not replaced`)
    t.same(varyList(await get(app, '/own-vary-origin', origin)), ['origin'], `${what}: no duplicate when the handler already varies on origin`)
    t.equal((await get(app, '/vary-star', origin)).headers.vary, '*', `${what}: Vary: * stays *`)
  }
  // A preflight's answer depends on all three request headers, granted or refused.
  const preflightVary = ['origin', 'access-control-request-method', 'access-control-request-headers']
  t.same(varyList(await preflight(app, '/', 'https://a.com', 'GET')), preflightVary, 'granted preflight varies on Origin')
  t.same(varyList(await preflight(app, '/', 'https://evil.com', 'GET')), preflightVary, 'refused preflight varies on Origin')

  // A fixed answer does not fragment caches.
  for (const origin of ['*', 'https://a.com'] as const) {
    const fixed = await appWith({ origin })
    t.equal((await get(fixed, '/', 'https://b.com')).headers.vary, undefined, `origin ${origin}: no Vary`)
    t.equal((await get(fixed, '/')).headers['access-control-allow-origin'], origin, `origin ${origin}: sent on Origin-less requests too`)
  }
  // Unless rejectDisallowed makes the status depend on Origin: a cache must not serve
  // a.com's 200 to b.com, nor b.com's 403 to a.com.
  const rejecting = await appWith({ origin: 'https://a.com', rejectDisallowed: true })
  for (const [what, origin, status] of [['allowed', 'https://a.com', 200], ['refused', 'https://b.com', 403], ['Origin-less', undefined, 200], ['404', 'https://a.com', 404]] as const) {
    const response = await get(rejecting, what === '404' ? '/missing' : '/', origin)
    t.equal(response.statusCode, status, `one fixed origin with rejectDisallowed, ${what}: ${status}`)
    t.same(varyList(response), ['origin'], `one fixed origin with rejectDisallowed, ${what}: Vary: Origin`)
  }
  t.equal((await get(await appWith({ origin: '*', rejectDisallowed: true }), '/', 'https://b.com')).headers.vary, undefined, "'*' with rejectDisallowed refuses nobody: no Vary")
})
