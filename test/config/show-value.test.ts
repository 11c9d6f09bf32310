import { test } from 'tap'
import { show } from '../../lib/config/show-value.js'

test('primitives are shown as written in code', async t => {
  t.equal(show('x'), '"x"')
  t.equal(show(42), '42')
  t.equal(show(-0), '-0')
  t.equal(show(NaN), 'NaN')
  t.equal(show(12n), '12n')
  t.equal(show(Symbol('s')), 'Symbol(s)')
  t.equal(show(Symbol()), 'Symbol()') // eslint-disable-line symbol-description
  t.equal(show(undefined), 'undefined')
  t.equal(show(null), 'null')
  t.equal(show(true), 'true')
  t.equal(show(() => 1), 'a function')
})

test('objects and arrays are shown like JSON, RegExps, errors and promises by what they are', async t => {
  t.equal(show({ a: 1, b: [1n, 'x'] }), '{"a":1,"b":[1n,"x"]}')
  t.equal(show([/^a$/i, 5]), '[/^a$/i,5]')
  t.equal(show(new TypeError('bad')), 'TypeError: "bad"')
  t.equal(show(Object.assign(new Error('bad'), { name: 5 })), 'Error: "bad"')
  t.equal(show(Promise.resolve(1)), 'a Promise')
  t.equal(show(Object.create(null)), '{}')
  t.equal(show({ a: { b: { c: 1 } } }), '{"a":{"b":{…}}}', 'nesting is cut at two levels')
})

test('any value is shown in at most 60 characters, without reading more than a few entries', async t => {
  t.equal(show('x'.repeat(1_000_000)), `"${'x'.repeat(56)}...`)
  t.equal(show(Array.from({ length: 20 }, () => 1)), '[1,1,1,1,1,1,1,1,…]')
  let reads = 0
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))
  Object.defineProperty(many, 'k9', { get: () => { reads++; return 9 }, enumerable: true })
  t.equal(show(many), '{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,…}')
  t.equal(reads, 0, 'entries past the eighth are never read')
})

test('values that make JSON.stringify throw, or whose reading throws, are shown without an exception', async t => {
  const circular: Record<string, unknown> = { name: 'row' }
  circular.self = circular
  t.equal(show(circular), '{"name":"row","self":{"name":"row","self":{…}}}')
  const array: unknown[] = [1]
  array.push(array)
  t.equal(show(array), '[1,[1,[…]]]')
  t.equal(show({ count: 10n }), '{"count":10n}')
  const throwing = Object.defineProperty({}, 'x', { get () { throw new Error('getter') }, enumerable: true })
  t.equal(show(throwing), 'an unreadable object')
  const trapped = new Proxy({}, { get () { throw new Error('trap') }, ownKeys () { throw new Error('trap') }, getPrototypeOf () { throw new Error('trap') } })
  t.equal(show(trapped), 'a Proxy')
  t.equal(show([trapped]), '[a Proxy]')
  const revocable = Proxy.revocable([], {})
  revocable.revoke()
  t.equal(show(revocable.proxy), 'a Proxy')
  const errorWithThrowingMessage = Object.defineProperty(new Error('x'), 'message', { get () { throw new Error('message') } })
  t.equal(show(errorWithThrowingMessage), 'an unreadable object')
})
