import { test } from 'tap'
import Fastify from 'fastify'
import { routerOptionsOf } from '../../lib/routing/router-options.js'

const noStorage = () => ({ get: () => null, set: () => {} })
const strategy = (name: string) => ({ name, storage: noStorage, deriveConstraint: () => undefined, validate: () => {} })

test('the options the router really runs with, whichever way they were set', async t => {
  t.match(routerOptionsOf(Fastify()), { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 100, allowUnsafeRegex: false, useSemicolonDelimiter: false, customConstraints: [] })
  t.match(routerOptionsOf(Fastify({ routerOptions: { caseSensitive: false, maxParamLength: 5 } })), { caseSensitive: false, maxParamLength: 5 })
  t.match(routerOptionsOf(Fastify({ caseSensitive: false, ignoreTrailingSlash: true } as object)), { caseSensitive: false, ignoreTrailingSlash: true })
  t.match(routerOptionsOf(Fastify({ ignoreTrailingSlash: true, routerOptions: { ignoreDuplicateSlashes: true } } as object)), { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true }, 'top level and routerOptions together')
  t.match(routerOptionsOf(Fastify({ routerOptions: { constraints: { tenant: strategy('tenant'), version: strategy('version') } } } as object)), { customConstraints: ['tenant', 'version'] })
  t.match(routerOptionsOf(Fastify({ constraints: { host: strategy('host') } } as object)), { customConstraints: ['host'] })
})
