// Header injection: nothing a request carries is written back into a response
// header unless it is exactly a valid origin or header-name list (CR/LF,
// non-ASCII, look-alike characters, malformed lists are refused, never reflected).
import { test } from 'tap'
import { connect } from 'node:net'
import type { CorsOptions } from '../../index.js'
import { appWith, describeOptions, get, preflight, printable } from '../fixtures/app.js'

test('header injection: CR/LF and non-ASCII in Origin or Access-Control-Request-Headers are never reflected', async t => {
  const injected = ['https://a.com\r\nSet-Cookie: x=1', 'https://a.com\nx: y', 'https://a.com\r', 'https://exämple.com', 'https://a.com\u0000', 'https://\u212Aelvin.com', 'https://a\u2028.com']
  const calls: string[] = []
  for (const options of [
    { origin: true },
    { origin: 'https://*.com' },
    { origin: [/^https:\/\/[^/]+$/] },
    { origin: (origin: string) => { calls.push(origin); return true } }
  ] as CorsOptions[]) {
    const app = await appWith(options)
    for (const origin of injected) {
      const actual = await get(app, '/', origin)
      t.ok(actual.statusCode < 500, `${describeOptions(options)}: GET from ${printable(origin)} does not fail`)
      t.equal(actual.headers['access-control-allow-origin'], undefined, `${describeOptions(options)}: ${printable(origin)} is not reflected`)
      const pre = await preflight(app, '/', origin, 'GET')
      t.equal(pre.statusCode, 403, `${describeOptions(options)}: preflight from ${printable(origin)} is refused`)
      t.notOk(pre.body.includes(origin), 'the refusal body does not echo the origin')
    }
  }
  t.same(calls, [], 'the origin function never sees them')

  const app = await appWith({ origin: 'https://a.com' })
  for (const list of ['x-a\r\nSet-Cookie: x=1', 'x-a\n', 'x-ä', 'x-a,\u0000', 'x-\u212A']) {
    const pre = await preflight(app, '/', 'https://a.com', 'GET', list)
    t.equal(pre.statusCode, 403, `Access-Control-Request-Headers ${printable(list)} is refused`)
    t.equal(pre.headers['access-control-allow-headers'], undefined, 'and not reflected')
  }

  // Over real HTTP, a non-ASCII byte arrives as Latin-1: still not reflected.
  const server = await appWith({ origin: true })
  await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  const { port } = server.server.address() as { port: number }
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: https://ex'), Buffer.from([0xe4]), Buffer.from('mple.com\r\n\r\n')]))
    })
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', chunk => { data += chunk })
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
  })
  t.match(raw, /^HTTP\/1\.1 200/, 'real HTTP: answered')
  t.notMatch(raw.toLowerCase(), /access-control-allow-origin/, 'real HTTP: a Latin-1 origin is not reflected')
})

test('Access-Control-Request-Headers is validated before it is reflected', async t => {
  const app = await appWith({ origin: 'https://a.com' })
  for (const list of ['x-a, x b', 'x-a;', '(x)', 'x:y', '"x-a"', 'x-a x-b', 'x-a,x-b y', 'x/y', 'x@y', '{x}']) {
    const pre = await preflight(app, '/', 'https://a.com', 'GET', list)
    t.equal(pre.statusCode, 403, `${printable(list)} is refused`)
    t.equal(pre.body, 'CORS preflight refused: malformed-headers', `${printable(list)}: the reason is named`)
    t.equal(pre.headers['access-control-allow-headers'], undefined, `${printable(list)} is not reflected`)
  }
  const pre = await preflight(app, '/', 'https://a.com', 'GET', ' X-A ,x-a,\tX-B\t,, content-type ')
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-headers'], 'x-a,x-b,content-type', 'reflected as distinct lower-case names')
  t.match(String(pre.headers.vary), /Access-Control-Request-Headers/, 'and the preflight varies on it')

  const listed = await appWith({ origin: 'https://a.com', allowedHeaders: ['content-type', 'x-api-key'] })
  const refused = await preflight(listed, '/', 'https://a.com', 'GET', 'content-type,x-evil')
  t.equal(refused.statusCode, 403, 'an unlisted header is refused when allowedHeaders is set')
  const wildcard = await appWith({ origin: 'https://a.com', allowedHeaders: '*' })
  t.equal((await preflight(wildcard, '/', 'https://a.com', 'GET', 'authorization')).statusCode, 403, "'*' does not cover Authorization")
})
