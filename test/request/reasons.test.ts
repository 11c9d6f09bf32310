import { test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import diagnostics from 'node:diagnostics_channel'
import cors, { REFUSAL_CHANNEL, type RefusalMessage } from '../../index.js'
import { debugEnabled, printable } from '../../lib/request/reasons.js'

async function requestWith (logger: boolean | { level: string }): Promise<FastifyRequest> {
  const app = Fastify({ logger: logger === false ? false : { ...(logger as object), stream: { write: () => {} } } })
  let seen: FastifyRequest | undefined
  app.get('/', async request => { seen = request; return 'ok' })
  await app.inject('/')
  return seen as FastifyRequest
}

test('debugEnabled follows the request logger, and the silent default logger', async t => {
  t.equal(debugEnabled(await requestWith(false)), false)
  t.equal(debugEnabled(await requestWith({ level: 'info' })), false)
  t.equal(debugEnabled(await requestWith({ level: 'debug' })), true)
  const subscriber = () => {}
  diagnostics.subscribe(REFUSAL_CHANNEL, subscriber)
  t.equal(debugEnabled(await requestWith(false)), true, 'a subscriber to the refusal channel reads refusals too')
  diagnostics.unsubscribe(REFUSAL_CHANNEL, subscriber)
})

test('the debug line of a refusal carries the origin, method and requested headers, escaped and truncated', async t => {
  const lines: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(cors, { origin: ['https://a.com', 'https://b.com'] })
  app.put('/items', async () => 'ok')
  await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: 'https://evil.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-a,x-b' } })
  await app.inject({ method: 'PUT', url: '/items', headers: { origin: 'https://évil.com\u001b[31m' + 'x'.repeat(400) } })
  const refusals = lines.filter(line => line.corsReason !== undefined)
  t.equal(refusals.length, 2)
  t.match(refusals[0], {
    level: 20,
    corsReason: 'origin-not-allowed',
    origin: 'https://evil.com',
    method: 'PUT',
    requestedHeaders: 'x-a,x-b',
    msg: "CORS preflight refused: origin-not-allowed (the origin is not in the allowlist): origin 'https://evil.com', method PUT, headers 'x-a,x-b'"
  })
  t.match(refusals[1], { corsReason: 'malformed-origin', method: 'PUT', msg: /^CORS request refused: malformed-origin .*: origin 'https:\/\/\\xe9vil\.com\\x1b\[31mxxx.*\.\.\.', method PUT$/ })
  t.equal((refusals[1].origin as string).length, 'https://\\xe9vil.com\\x1b[31m'.length + 300 - 'https://évil.com\u001b[31m'.length + 3)
})

test('printable escapes what is not printable ASCII, and backslashes, and truncates', async t => {
  t.equal(printable(undefined, 10), '')
  t.equal(printable('a\\b\r\nc', 20), 'a\\\\b\\x0d\\x0ac')
  t.equal(printable('\u2028', 20), '\\u2028')
  t.equal(printable(['a', 'b'], 20), 'a,b')
  t.equal(printable('abcdef', 3), 'abc...')
})

test(`every refusal is published on the '${REFUSAL_CHANNEL}' diagnostics channel while someone subscribes`, async t => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://a.com', 'https://b.com'], rejectDisallowed: false })
  app.put('/items', async () => 'ok')
  await app.ready()
  const messages: RefusalMessage[] = []
  const onMessage = (message: unknown) => { messages.push(message as RefusalMessage) }
  const send = async () => {
    await app.inject({ method: 'OPTIONS', url: '/items?x=1', headers: { origin: 'https://evil.com', 'access-control-request-method': 'PUT' } })
    await app.inject({ method: 'PUT', url: '/items', headers: { origin: 'https://evil.com' } })
    await app.inject({ method: 'PUT', url: '/items', headers: { origin: 'https://a.com' } })
  }
  await send()
  t.same(messages, [], 'nothing is published without a subscriber')
  diagnostics.subscribe(REFUSAL_CHANNEL, onMessage)
  t.teardown(() => diagnostics.unsubscribe(REFUSAL_CHANNEL, onMessage))
  await send()
  t.same(messages, [
    { reason: 'origin-not-allowed', kind: 'preflight', origin: 'https://evil.com', method: 'PUT', url: '/items?x=1' },
    { reason: 'origin-not-allowed', kind: 'request', origin: 'https://evil.com', method: 'PUT', url: '/items' }
  ], 'refusals only, with the default (silent) logger')
  diagnostics.unsubscribe(REFUSAL_CHANNEL, onMessage)
  await send()
  t.equal(messages.length, 2, 'nothing after unsubscribing')
})

test('counting refusals by reason, as the README shows', async t => {
  const counts = new Map<string, number>()
  const count = (message: unknown) => { const { reason } = message as RefusalMessage; counts.set(reason, (counts.get(reason) ?? 0) + 1) }
  diagnostics.subscribe(REFUSAL_CHANNEL, count)
  t.teardown(() => diagnostics.unsubscribe(REFUSAL_CHANNEL, count))
  const app = Fastify()
  await app.register(cors, { origin: 'https://a.com', methods: ['GET'] })
  app.get('/', async () => 'ok')
  app.delete('/', async () => 'ok')
  for (const origin of ['https://evil.com', 'null', 'https://a.com']) {
    await app.inject({ method: 'OPTIONS', url: '/', headers: { origin, 'access-control-request-method': 'DELETE' } })
  }
  t.same(Object.fromEntries(counts), { 'origin-not-allowed': 1, 'opaque-origin': 1, 'method-not-allowed': 1 })
})
