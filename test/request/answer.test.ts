import { test } from 'tap'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import cors from '../../index.js'
import { adoptReply, forgetAnswer, guardReplies, isGuarded, varyOn } from '../../lib/request/answer.js'
import { varyNames, VARY_OPTIONS, VARY_ORIGIN, VARY_PREFLIGHT, VARY_PREFLIGHT_PRIVATE } from '../../lib/spec/vary.js'
import { kState, kWriteHeader } from '../../lib/symbols.js'
import { RequestState } from '../../lib/request/request-state.js'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'

/** Runs `check` in a handler of a real app (the plugin's request state, a reply not sent yet). */
async function inHandler (check: (request: FastifyRequest, reply: FastifyReply) => void): Promise<void> {
  const app = Fastify()
  await app.register(cors, { origin: ['https://a.com', 'https://b.com'] })
  app.get('/', (request, reply) => { check(request, reply); reply.send('ok') })
  await app.inject({ url: '/' })
}

test('varyOn sets Vary at once, and remembers every name the answer depends on', async t => {
  await inHandler((request, reply) => {
    reply.removeHeader('vary')
    request[kState]!.vary = null
    varyOn(request, reply, VARY_OPTIONS)
    t.equal(reply.getHeader('vary'), 'Origin, Access-Control-Request-Method')
    varyOn(request, reply, VARY_ORIGIN)
    t.equal(request[kState]!.vary, VARY_OPTIONS, 'a subset adds nothing')
    varyOn(request, reply, VARY_PREFLIGHT)
    t.equal(request[kState]!.vary, VARY_PREFLIGHT, 'a superset is the union: the list made at startup, no allocation')
    varyOn(request, reply, VARY_PREFLIGHT_PRIVATE)
    t.equal(request[kState]!.vary, VARY_PREFLIGHT_PRIVATE, "so is the private-network preflight's, after the preflight's")
    varyOn(request, reply, varyNames('Accept'))
    t.equal(request[kState]!.vary?.joined, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network, Accept', 'lists that do not nest: the names of both, once')
    t.equal(reply.getHeader('vary'), 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network, Accept')
  })
})

/** A stand-in for Fastify's Reply prototype that records what reaches Fastify's own methods. */
function recordingPrototype () {
  const calls: string[] = []
  const prototype = {
    header (this: { headers: Record<string, unknown> }, name: string, value?: unknown) {
      calls.push(`header ${name}: ${String(value)}`)
      this.headers[name.toLowerCase()] = value
      return this
    },
    removeHeader (this: { headers: Record<string, unknown> }, name: string) {
      calls.push(`remove ${name}`)
      delete this.headers[name.toLowerCase()]
      return this
    },
    send (this: unknown, payload?: unknown) {
      calls.push(`send ${String(payload)}`)
      return this
    }
  }
  return { prototype, calls }
}

interface FakeReply {
  request: { [kState]: RequestState }
  headers: Record<string, unknown>
  raw: ServerResponse
  header: (name: string, value?: unknown) => FakeReply
  removeHeader: (name: string) => FakeReply
  send: (payload?: unknown) => FakeReply
  getHeader: (name: string) => unknown
}

function fakeReply (prototype: object): FakeReply {
  const reply = Object.create(prototype) as FakeReply
  reply.request = { [kState]: new RequestState() }
  reply.headers = {}
  reply.raw = new ServerResponse(new IncomingMessage(new Socket()))
  reply.getHeader = (name: string) => reply.headers[name.toLowerCase()] ?? reply.raw.getHeader(name)
  return reply
}

const GRANT = { credentials: 'true', expose: 'x-id' }

test("guardReplies: until the plugin decides, every write reaches Fastify's own methods unchanged", async t => {
  const { prototype, calls } = recordingPrototype()
  guardReplies(prototype as never)
  const reply = fakeReply(prototype)
  reply.header('Access-Control-Allow-Origin', '*').header('Vary', 'Accept').removeHeader('access-control-allow-credentials').send('body')
  t.same(calls, ['header Access-Control-Allow-Origin: *', 'header Vary: Accept', 'remove access-control-allow-credentials', 'send body'])
  t.same(reply.headers, { 'access-control-allow-origin': '*', vary: 'Accept' })
})

test('guardReplies: once the plugin has answered, its read-granting headers can be neither set nor removed, whatever the case of the name', async t => {
  const { prototype, calls } = recordingPrototype()
  guardReplies(prototype as never)
  const reply = fakeReply(prototype)
  reply.request[kState].grant = GRANT
  reply.request[kState].allowOrigin = 'https://a.com'
  reply.headers = { 'access-control-allow-origin': 'https://a.com', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-id' }
  reply.header('ACCESS-CONTROL-ALLOW-ORIGIN', '*').header('access-control-allow-credentials', 'false').header('Access-Control-Expose-Headers', 'x-secret')
  reply.removeHeader('access-control-allow-origin').removeHeader('Access-Control-Allow-Credentials').removeHeader('access-control-expose-headers')
  t.same(calls, [], 'none reached Fastify')
  t.same(reply.headers, { 'access-control-allow-origin': 'https://a.com', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-id' })
  reply.header('x-other', 'kept').removeHeader('x-other').header('Access-Control-Max-Age', '5')
  t.same(calls, ['header x-other: kept', 'remove x-other', 'header Access-Control-Max-Age: 5'], 'other headers, other Access-Control-* ones included, are the app\'s')
})

test('guardReplies: a Vary set or removed after the plugin decided keeps the names its answer depends on', async t => {
  const { prototype } = recordingPrototype()
  guardReplies(prototype as never)
  const reply = fakeReply(prototype)
  reply.request[kState].vary = VARY_ORIGIN
  reply.headers = { vary: 'Origin' }
  reply.header('Vary', 'Accept-Encoding')
  t.equal(reply.headers.vary, 'Accept-Encoding, Origin', 'merged into what the writer set')
  reply.header('vary', ['Accept', 'origin'])
  t.equal(reply.headers.vary, 'Accept, origin', 'a list naming Origin in another case: nothing added')
  reply.header('vary', '*')
  t.equal(reply.headers.vary, '*')
  reply.header('vary')
  t.equal(reply.headers.vary, 'Origin', 'an empty value: the plugin\'s names')
  reply.removeHeader('Vary')
  t.equal(reply.headers.vary, 'Origin', 'removed: the plugin\'s names again')
  reply.header('access-control-allow-origin', '*')
  t.equal(reply.headers['access-control-allow-origin'], '*', 'no answer of the plugin (CORS off for the route): its read-granting headers are the route\'s')
})

test('guardReplies: at send, a read-granting header written on reply.raw that the plugin did not answer goes, and a raw Vary is merged', async t => {
  const { prototype, calls } = recordingPrototype()
  guardReplies(prototype as never)
  const refused = fakeReply(prototype)
  refused.request[kState].grant = GRANT
  refused.request[kState].vary = VARY_ORIGIN
  refused.headers = { vary: 'Origin' }
  refused.raw.setHeader('access-control-allow-origin', '*')
  refused.raw.setHeader('access-control-allow-credentials', 'true')
  refused.raw.setHeader('access-control-expose-headers', 'x-secret')
  refused.raw.setHeader('vary', 'Accept-Encoding')
  refused.raw.setHeader('x-other', 'kept')
  refused.send('body')
  t.same(refused.raw.getHeaderNames().sort(), ['vary', 'x-other'], 'refused: nothing to read')
  t.equal(refused.headers.vary, 'Accept-Encoding, Origin', "the raw Vary's names join the reply's, which Node sends over the raw one")
  t.same(calls.at(-1), 'send body')

  const granted = fakeReply(prototype)
  granted.request[kState].grant = { credentials: undefined, expose: undefined }
  granted.request[kState].allowOrigin = 'https://a.com'
  granted.headers = { 'access-control-allow-origin': 'https://a.com' }
  granted.raw.setHeader('access-control-allow-origin', '*')
  granted.raw.setHeader('access-control-allow-credentials', 'true')
  granted.raw.setHeader('access-control-expose-headers', 'x-secret')
  granted.send()
  t.same(granted.raw.getHeaderNames(), ['access-control-allow-origin'], "granted without credentials or exposed headers: the raw ones go; the reply's Access-Control-Allow-Origin is sent over the raw one")

  const withAll = fakeReply(prototype)
  withAll.request[kState].grant = GRANT
  withAll.request[kState].allowOrigin = 'https://a.com'
  withAll.request[kState].vary = VARY_ORIGIN
  withAll.headers = { vary: 'Origin' }
  withAll.raw.setHeader('access-control-allow-credentials', 'true')
  withAll.raw.setHeader('access-control-expose-headers', 'x-id')
  withAll.raw.setHeader('vary', 'Origin')
  withAll.send()
  t.same(withAll.raw.getHeaderNames(), ['access-control-allow-credentials', 'access-control-expose-headers', 'vary'], 'what the plugin answered too stays (the reply holds the same values)')
  t.equal(withAll.headers.vary, 'Origin')
})

test('guardReplies guards a prototype once; isGuarded tells a guarded one', async t => {
  const { prototype } = recordingPrototype()
  t.notOk(isGuarded(prototype))
  guardReplies(prototype as never)
  const guarded = { ...prototype }
  guardReplies(prototype as never)
  t.same({ ...prototype }, guarded, 'a second call changes nothing')
  t.ok(isGuarded(prototype))
  t.ok(isGuarded(Object.create(prototype)), 'a scope\'s prototype below it')
  t.notOk(isGuarded({ ...prototype, send () {} }), 'one method replaced')
  t.notOk(isGuarded({}))
})

test('forgetAnswer: a second answer to the same request (reply.callNotFound()) replaces the first', async t => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://a.com', 'https://b.com'], credentials: true, exposedHeaders: ['x-id'] })
  app.register(async scope => {
    scope.get('/moved', async (_request, reply) => { reply.callNotFound() })
    scope.setNotFoundHandler({}, async (_request, reply) => reply.code(404).send('gone'))
  })
  app.get('/moved-cors-off', { config: { cors: false } }, async (_request, reply) => { reply.callNotFound() })
  const response = await app.inject({ url: '/moved', headers: { origin: 'https://a.com' } })
  t.equal(response.statusCode, 404)
  t.equal(response.headers['access-control-allow-origin'], 'https://a.com', 'the not-found answer grants as the route did')
  t.equal(response.headers['access-control-expose-headers'], 'x-id')
  await app.inject({ url: '/moved', headers: { origin: 'https://c.com' } }).then(refused => {
    t.equal(refused.headers['access-control-allow-origin'], undefined)
    t.equal(refused.headers['access-control-allow-credentials'], undefined)
  })
  await inHandler((request, reply) => {
    request[kState]!.grant = GRANT
    request[kState]!.allowOrigin = 'https://a.com'
    reply.header('x-id', 'kept')
    reply[kWriteHeader]('access-control-allow-origin', 'https://a.com')
    reply[kWriteHeader]('access-control-allow-credentials', 'true')
    reply[kWriteHeader]('access-control-expose-headers', 'x-id')
    forgetAnswer(request, reply)
    t.equal(request[kState]!.grant, undefined)
    t.same(['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers'].map(name => reply.getHeader(name)), [undefined, undefined, undefined])
    t.equal(reply.getHeader('x-id'), 'kept')
    forgetAnswer(request, reply)
    t.equal(request[kState]!.grant, undefined, 'nothing answered: nothing to forget')
  })
  await inHandler((request, reply) => {
    request[kState] = null
    reply[kWriteHeader]('access-control-allow-origin', '*')
    forgetAnswer(request, reply)
    t.equal(reply.getHeader('access-control-allow-origin'), '*', 'nothing recorded at all: the headers are not the plugin\'s to forget')
  })
})

test("adoptReply: a reply outside the app's classes writes with its own header", async t => {
  const written: string[] = []
  const reply = { header (name: string, value: string) { written.push(`${name}: ${value}`); return this } } as unknown as FastifyReply
  adoptReply(reply)
  reply[kWriteHeader]('vary', 'Origin')
  t.same(written, ['vary: Origin'])
  const own = reply[kWriteHeader]
  adoptReply(reply)
  t.equal(reply[kWriteHeader], own, 'a reply that has one keeps it')
})
