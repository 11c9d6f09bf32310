import { test } from 'tap'
import * as tokens from '../../lib/spec/tokens.js'

const { isToken, parseHeaderList } = tokens
// Limits pinned as literals: a change to them in lib/ must show up here.
const MAX_REQUEST_HEADERS_LENGTH = 4096
const MAX_REQUEST_HEADERS_COUNT = 64

test('the header-list limits are the documented ones', async t => {
  t.equal(tokens.MAX_REQUEST_HEADERS_LENGTH, MAX_REQUEST_HEADERS_LENGTH)
  t.equal(tokens.MAX_REQUEST_HEADERS_COUNT, MAX_REQUEST_HEADERS_COUNT)
})

test('isToken accepts RFC 9110 tokens only', async t => {
  for (const ok of ['GET', 'x-api-key', "!#$%&'*+-.^_`|~09azAZ"]) t.ok(isToken(ok), ok)
  for (const bad of ['', 'a b', 'a,b', 'a:b', 'ä', 'a\r\nb', '(x)', 'x"']) t.notOk(isToken(bad), JSON.stringify(bad))
})

test('parseHeaderList reads the browser form', async t => {
  t.same(parseHeaderList('content-type,x-api-key'), { ok: true, names: ['content-type', 'x-api-key'] })
})

test('parseHeaderList tolerates what proxies do: spaces, tabs, case, duplicates, empty elements', async t => {
  t.same(parseHeaderList(' X-A ,\tx-b,, x-a ,X-B,'), { ok: true, names: ['x-a', 'x-b'] })
  t.same(parseHeaderList(''), { ok: true, names: [] })
  t.same(parseHeaderList(' , '), { ok: true, names: [] })
})

test('parseHeaderList refuses names that are not tokens', async t => {
  t.same(parseHeaderList('x-a, x b'), { ok: false, reason: 'malformed' })
  t.same(parseHeaderList('x-ä'), { ok: false, reason: 'malformed' })
  t.same(parseHeaderList('x-a\r\nset-cookie'), { ok: false, reason: 'malformed' })
  t.same(parseHeaderList('x:y'), { ok: false, reason: 'malformed' })
})

test('parseHeaderList caps the length and the number of distinct names', async t => {
  t.same(parseHeaderList('a'.repeat(MAX_REQUEST_HEADERS_LENGTH + 1)), { ok: false, reason: 'too-long' })
  const many = Array.from({ length: MAX_REQUEST_HEADERS_COUNT + 1 }, (_, i) => `x-${i}`).join(',')
  t.same(parseHeaderList(many), { ok: false, reason: 'too-many' })
  const exactly = Array.from({ length: MAX_REQUEST_HEADERS_COUNT }, (_, i) => `x-${i}`)
  t.same(parseHeaderList([...exactly, ...exactly].join(',')), { ok: true, names: exactly }, 'duplicates do not count')
})
