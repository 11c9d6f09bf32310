import { test } from 'tap'
import { errorDetail, shouldLogAsError } from '../../lib/policy/origin-function-log.js'

test('each distinct message is an error once per function, and at most 100 messages are remembered', async t => {
  const fn = () => {}
  t.equal(shouldLogAsError(fn, 'a'), true)
  t.equal(shouldLogAsError(fn, 'a'), false)
  t.equal(shouldLogAsError(() => {}, 'a'), true, 'another function has its own memory')
  for (let i = 1; i < 100; i++) t.equal(shouldLogAsError(fn, `m${i}`), true)
  t.equal(shouldLogAsError(fn, 'one too many'), false)
  t.equal(shouldLogAsError(fn, 'a'), false)
})

test('the logger gets strings read once from the error, never the value itself', async t => {
  const error = new TypeError('x'.repeat(1000))
  const detail = errorDetail(error)
  t.equal(detail.name, 'TypeError')
  t.equal(detail.message.length, 200)
  t.equal(detail.stack, error.stack?.slice(0, 4000))
  t.equal(Object.getPrototypeOf(detail), null)
  t.same({ ...errorDetail(1n) }, { name: 'bigint', message: '1n' })
  t.same({ ...errorDetail(new Proxy({}, { get () { throw new Error('trap') } })) }, { name: 'object', message: 'a Proxy' })
  const unreadable = Object.defineProperty(new Error('m'), 'message', { get () { throw new Error('getter') } })
  t.same({ ...errorDetail(unreadable) }, { name: 'Error', message: 'an Error whose properties cannot be read' })
  const noStack = Object.defineProperty(new Error('m'), 'stack', { value: undefined })
  t.same({ ...errorDetail(noStack) }, { name: 'Error', message: 'm' })
})
