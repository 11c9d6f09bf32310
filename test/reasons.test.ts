import { test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import { debugEnabled } from '../lib/reasons.js'

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
})
