import { test } from 'tap'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import cors from '../../index.js'
import { answerWith, finishResponse, varyOn } from '../../lib/request/answer.js'
import { compilePolicy } from '../../lib/policy/policy.js'
import { resolveOptions } from '../../lib/config/options.js'
import { varyNames, VARY_OPTIONS, VARY_ORIGIN, VARY_PREFLIGHT, VARY_PREFLIGHT_PRIVATE } from '../../lib/spec/vary.js'
import { kGrant, kVary } from '../../lib/symbols.js'

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
    request[kVary] = null
    varyOn(request, reply, VARY_OPTIONS)
    t.equal(reply.getHeader('vary'), 'Origin, Access-Control-Request-Method')
    varyOn(request, reply, VARY_ORIGIN)
    t.equal(request[kVary], VARY_OPTIONS, 'a subset adds nothing')
    varyOn(request, reply, VARY_PREFLIGHT)
    t.equal(request[kVary], VARY_PREFLIGHT, 'a superset is the union: the list made at startup, no allocation')
    varyOn(request, reply, VARY_PREFLIGHT_PRIVATE)
    t.equal(request[kVary], VARY_PREFLIGHT_PRIVATE, "so is the private-network preflight's, after the preflight's")
    varyOn(request, reply, varyNames('Accept'))
    t.equal(request[kVary]?.joined, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network, Accept', 'lists that do not nest: the names of both, once')
    t.equal(reply.getHeader('vary'), 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network, Accept')
  })
})

test('finishResponse restores the granted headers, removes the others, and merges Vary', async t => {
  await inHandler((request, reply) => {
    const policy = compilePolicy(resolveOptions({ origin: ['https://a.com', 'https://b.com'], credentials: true, exposedHeaders: ['x-id'] }).resolved)
    const finish = (): void => finishResponse(request, reply, 'payload', (error, payload) => {
      t.equal(error, null)
      t.equal(payload, 'payload')
    })
    const read = (): unknown[] => ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers', 'vary'].map(name => reply.getHeader(name))
    request[kVary] = VARY_ORIGIN
    answerWith(request, policy.actualGrant, 'https://a.com')
    reply.header('access-control-allow-origin', '*').header('vary', 'Accept')
    reply.removeHeader('access-control-allow-credentials')
    finish()
    t.same(read(), ['https://a.com', 'true', 'x-id', 'Accept, Origin'])
    answerWith(request, policy.preflightGrant, 'https://a.com')
    finish()
    t.equal(reply.getHeader('access-control-expose-headers'), undefined, 'a preflight exposes no headers')
    answerWith(request, policy.actualGrant, undefined)
    reply.raw.setHeader('access-control-allow-credentials', 'true')
    finish()
    t.same(read(), [undefined, undefined, undefined, 'Accept, Origin'], 'refused: nothing to read, even written to reply.raw')
    request[kGrant] = undefined
    request[kVary] = null
    reply.header('access-control-allow-origin', '*').header('vary', 'Accept')
    finish()
    t.same(read(), ['*', undefined, undefined, 'Accept'], 'no answer from the plugin (CORS off): the route\'s own headers stand')
  })
})
