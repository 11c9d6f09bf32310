import { test } from 'tap'
import Fastify from 'fastify'
import cors, { ERROR_CODES } from '../index.js'
import { startup, failure } from './fixtures/startup.js'

test("'*' with credentials fails startup, quoting the browser", async t => {
  for (const origin of ['*', ['https://a.com', '*']]) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.wildcardWithCredentials)
    t.match(error.message, /must not be the wildcard '\*' when the request's credentials mode is 'include'/)
    t.match(error.message, /Fix: list the allowed origins/)
  }
  await t.rejects(startup({ credentials: true }), { code: ERROR_CODES.wildcardWithCredentials }, 'the default origin is * too')
})

test('origin: true with credentials fails startup unless explicitly dangerous', async t => {
  const error = await failure({ origin: true, credentials: true })
  t.equal(error.code, ERROR_CODES.anyOriginWithCredentials)
  t.match(error.message, /dangerouslyAllowAnyOriginWithCredentials: true/)
})

test('an origin that is not a serialized origin fails startup with the correct form', async t => {
  const error = await failure({ origin: ['https://a.com', 'https://B.com/'] })
  t.equal(error.code, ERROR_CODES.invalidOrigin)
  t.match(error.message, "cors option 'origin[1]': \"https://B.com/\" is refused: a browser never sends an Origin with a trailing slash and upper-case letters. Fix: use 'https://b.com'.")
  t.match((await failure({ origin: 'null' })).message, /'origin': "null" is refused: 'null' is the opaque origin/)
})

test('a wildcard on a public suffix with credentials fails startup', async t => {
  for (const origin of ['https://*.com', 'https://*.github.io', 'https://*.co.uk:*']) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.publicSuffixWildcard, origin)
    t.match(error.message, /is a public suffix.*dangerouslyAllowSubdomainsOfPublicSuffixes/)
  }
  await t.resolves(startup({ origin: ['https://*.example.com', 'http://*.localhost:*'], credentials: true }))
})

test('plain http origins with credentials log a warning, loopback ones do not', async t => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(cors, {
    origin: ['http://app.example.com', 'http://*.example.org', 'http://localhost:3000', 'http://127.0.0.1:*', 'http://[::1]:8080', 'http://app.localhost:3000', 'https://secure.example.com'],
    credentials: true
  })
  await app.ready()
  t.equal(lines.length, 2)
  t.match(lines[0], /'origin\[0\]': 'http:\/\/app.example.com' is plain http with credentials/)
  t.match(lines[1], /'origin\[1\]'/)
})
