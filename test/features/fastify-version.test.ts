// The fixture that tells the tests which Fastify they run against (the matrix
// in .ci/run installs others): its answers for the versions on either side of
// each change, whichever Fastify is installed here.
import { test } from 'tap'
import Fastify from 'fastify'
import { FASTIFY_VERSION, fastifyAtLeast, tooLongParamStatus, withRouterOptions } from '../fixtures/fastify-version.js'

test('version comparison, and what each version changes', async t => {
  t.equal(Fastify().version, FASTIFY_VERSION, "the installed Fastify's own version")
  t.ok(fastifyAtLeast('5.5.0', '5.5.0'))
  t.ok(fastifyAtLeast('5.5.0', '5.12.8'))
  t.notOk(fastifyAtLeast('5.5.0', '5.4.9'))
  t.ok(fastifyAtLeast('5.9.0', '6.0.0-alpha.4'), 'a pre-release of the next major')
  t.equal(tooLongParamStatus('5.8.5'), 404)
  t.equal(tooLongParamStatus('5.9.0'), 414)
  t.same(withRouterOptions({ caseSensitive: false }, { logger: false }, true), { logger: false, routerOptions: { caseSensitive: false } })
  t.same(withRouterOptions({ caseSensitive: false }, {}, false), { caseSensitive: false })
})
