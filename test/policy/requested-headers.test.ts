// A policy's answer to a preflight's Access-Control-Request-Headers, and the
// memory of the last list it judged.
import { test } from 'tap'
import { compileHeaderCheck, type HeaderRule } from '../../lib/policy/requested-headers.js'

const listed: HeaderRule = { kind: 'list', any: false, names: new Set(['content-type', 'x-api-key']), value: 'content-type, x-api-key' }
const star: HeaderRule = { kind: 'list', any: true, names: new Set(['authorization']), value: '*, authorization' }

test('a listed rule answers with its list when every requested name is in it, whatever their case, spacing or order', async t => {
  const check = compileHeaderCheck(listed)
  t.equal(check('content-type,x-api-key'), 'content-type, x-api-key')
  t.equal(check(' X-Api-Key , Content-Type,,'), 'content-type, x-api-key')
  t.equal(check(''), 'content-type, x-api-key', 'an empty list requests nothing')
  t.equal(check(undefined), 'content-type, x-api-key', 'no Access-Control-Request-Headers: the list still goes out')
})

test('a listed rule refuses a name outside it, and says which requested names it would allow', async t => {
  const check = compileHeaderCheck(listed)
  t.same(check('content-type,x-other'), { reason: 'header-not-allowed', granted: 'content-type' })
  t.same(check('x-other'), { reason: 'header-not-allowed', granted: undefined })
})

test("'*' covers every name but Authorization, which must be listed by name", async t => {
  t.equal(compileHeaderCheck(star)('x-anything,authorization'), '*, authorization')
  const unnamed = compileHeaderCheck({ kind: 'list', any: true, names: new Set(), value: '*' })
  t.same(unnamed('x-a,authorization'), { reason: 'header-not-allowed', granted: 'x-a' })
})

test('without allowedHeaders the requested names are reflected, lower-cased and without duplicates', async t => {
  const check = compileHeaderCheck({ kind: 'reflect' })
  t.equal(check('X-A, x-b,x-a'), 'x-a,x-b')
  t.equal(check(' , '), undefined)
  t.equal(check(undefined), undefined)
})

test('lists that are not header-name lists are refused for what is wrong with them', async t => {
  const check = compileHeaderCheck({ kind: 'reflect' })
  t.same(check('x-a, x b'), { reason: 'malformed-headers', granted: undefined })
  t.same(check('a'.repeat(4097)), { reason: 'headers-too-long', granted: undefined })
  t.same(check(Array.from({ length: 65 }, (_, i) => `x-${i}`).join(',')), { reason: 'too-many-headers', granted: undefined })
})

test('a repeated list is answered from memory, and a different one is judged afresh', async t => {
  const check = compileHeaderCheck(listed)
  const first = check('content-type,x-other')
  // A refusal is a new object each time it is judged: the same object means it was remembered.
  t.equal(check('content-type,x-other'), first)
  t.equal(check('content-type'), 'content-type, x-api-key')
  const again = check('content-type,x-other')
  t.not(again, first, 'another list came in between')
  t.same(again, first)
  t.equal(check(undefined), 'content-type, x-api-key')
  t.equal(check('content-type,x-other'), again, 'a preflight without the header leaves the memory alone')
  // Each policy keeps its own memory.
  t.same(compileHeaderCheck(star)('content-type,x-other'), '*, authorization')
})
