// @fastify/compress and @fastify/etag beside the plugin, in both orders:
// compress adds `Vary: accept-encoding`, the plugin `Vary: Origin`, a handler
// its own; each keeps the others'. A revalidation answered 304 by etag keeps
// the CORS headers and Vary: Origin, which a browser merges into its cached
// response (the browser's view is in chromium.test.ts).
import t from 'tap'
import { gunzipSync } from 'node:zlib'
import { COMPRESS_ETAG_ORDERS, ITEMS, compressEtagApp } from './fixtures/compress-etag-app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const OPTIONS = { origin: [APP, 'https://admin.example.com'] }

/** Vary's names, lower-cased, in order. */
function vary (value: unknown): string[] {
  return String(value).split(',').map(name => name.trim().toLowerCase())
}

for (const order of COMPRESS_ETAG_ORDERS) {
  t.test(`${order}: Vary names Origin and Accept-Encoding once each, the body is compressed`, async t => {
    const app = await compressEtagApp(order, OPTIONS)
    t.teardown(() => app.close())
    const response = await app.inject({ url: '/items', headers: { origin: APP, 'accept-encoding': 'gzip' } })
    t.equal(response.statusCode, 200)
    t.equal(response.headers['content-encoding'], 'gzip')
    t.same(JSON.parse(gunzipSync(response.rawPayload).toString()), ITEMS)
    t.equal(response.headers['access-control-allow-origin'], APP)
    t.same(vary(response.headers.vary).sort(), ['accept-encoding', 'origin'])

    const localized = await app.inject({ url: '/localized', headers: { origin: EVIL, 'accept-encoding': 'gzip' } })
    t.same(vary(localized.headers.vary).sort(), ['accept-encoding', 'accept-language', 'origin'], 'the handler\'s Vary is kept beside both')
    t.notOk(localized.headers['access-control-allow-origin'])
  })

  t.test(`${order}: a revalidation gets a 304 with the CORS headers and Vary`, async t => {
    const app = await compressEtagApp(order, OPTIONS)
    t.teardown(() => app.close())
    const first = await app.inject({ url: '/items', headers: { origin: APP, 'accept-encoding': 'gzip' } })
    const tag = first.headers.etag
    t.type(tag, 'string')
    const revalidated = await app.inject({ url: '/items', headers: { origin: APP, 'accept-encoding': 'gzip', 'if-none-match': String(tag) } })
    t.equal(revalidated.statusCode, 304)
    t.equal(revalidated.body, '')
    t.equal(revalidated.headers['access-control-allow-origin'], APP)
    // compress adds its Vary only to a body it compresses; a cache keeps the stored response's Vary on a 304 (RFC 9111, 4.3.4).
    t.same(vary(revalidated.headers.vary), ['origin'])

    const otherOrigin = await app.inject({ url: '/items', headers: { origin: EVIL, 'accept-encoding': 'gzip', 'if-none-match': String(tag) } })
    t.equal(otherOrigin.statusCode, 304, 'the ETag is the body\'s: the same for every origin')
    t.same(corsView(otherOrigin), { vary: otherOrigin.headers.vary }, 'no CORS header for a refused origin')
    t.ok(vary(otherOrigin.headers.vary).includes('origin'), 'and Vary: Origin keeps caches from mixing the origins\' answers')
  })
}
