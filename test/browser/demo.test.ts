// The demo (npm run demo) end to end: its page, on one loopback origin, runs
// every scenario against its API, on another, in Chromium. The page's
// verdicts, the reasons it shows and Chromium's console must agree; a
// screenshot of the page after every scenario ran goes to artifacts/demo.png.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import cors from '../../index.js'
import { buildApi } from '../../demo/api.js'
import { createLogCollector, startDemo } from '../../demo/start.js'
import { TIMEOUT, chromiumCause, launchBrowser } from './harness/browser.js'

const SCREENSHOT = fileURLToPath(new URL('../../artifacts/demo.png', import.meta.url))

/** What each scenario must end with: the browser's verdict and the reasons the page shows from the API's log. */
const EXPECTED: Record<string, { verdict: 'readable' | 'blocked', reasons: string, chromium?: [string, string] }> = {
  'simple-get': { verdict: 'readable', reasons: '' },
  'json-put': { verdict: 'readable', reasons: '' },
  login: { verdict: 'readable', reasons: '' },
  credentialed: { verdict: 'readable', reasons: '' },
  'custom-header': { verdict: 'blocked', reasons: 'header-not-allowed', chromium: ['header', 'x-debug-token'] },
  method: { verdict: 'blocked', reasons: 'method-not-allowed', chromium: ['method', 'DELETE'] },
  partner: { verdict: 'blocked', reasons: 'origin-not-allowed', chromium: ['no-allow-origin', ''] },
  public: { verdict: 'readable', reasons: '' },
  'cors-off': { verdict: 'blocked', reasons: 'cors-disabled', chromium: ['no-allow-origin', ''] },
  exposed: { verdict: 'readable', reasons: '' },
  'not-found': { verdict: 'readable', reasons: '' },
  'server-error': { verdict: 'readable', reasons: '' }
}

t.test('the demo page runs every scenario as described, and says why', async t => {
  const printed: string[] = []
  const demo = await startDemo(cors, {
    apiPort: 0,
    pagePort: 0,
    onComplete: (request) => printed.push(`${request.method} ${request.path} ${String(request.status)}`),
    onRefusal: (request) => printed.push(String(request.corsReason))
  })
  t.teardown(() => demo.close())
  t.not(new URL(demo.pageUrl).origin, new URL(demo.apiUrl).origin, 'the page and the API are different origins')
  t.match(demo.pageUrl, /^http:\/\/127\.0\.0\.1:\d+$/)

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(TIMEOUT)
  const console: string[] = []
  page.on('console', message => { console.push(message.text()) })
  await page.goto(demo.pageUrl)
  await page.waitForSelector('body[data-ready="true"]')
  t.equal(await page.textContent('#api-origin'), demo.apiUrl)

  // Every scenario's own button, in order ("Log in" before the credentialed request)...
  for (const scenario of Object.keys(EXPECTED)) {
    await page.click(`article[data-scenario="${scenario}"] button.run`)
    await page.waitForSelector(`article[data-scenario="${scenario}"][data-state="done"]`)
  }
  // ...then all of them again with "Run all".
  await page.click('#run-all')
  await page.waitForSelector('body[data-ran="all"]', { timeout: 30_000 })
  const cards = await page.$$eval('article.card', nodes => nodes.map(node => ({ ...(node as HTMLElement).dataset, text: node.textContent ?? '' }) as Record<string, string>))
  t.same(cards.map(card => card.scenario), Object.keys(EXPECTED), 'one card per scenario, in order')
  for (const card of cards) {
    const expected = EXPECTED[card.scenario]
    t.match(card, { state: 'done', outcome: 'as-expected', verdict: expected.verdict, reasons: expected.reasons }, card.scenario)
  }
  t.equal(await page.textContent('#summary'), '12 of 12 run, all as expected')

  const text = Object.fromEntries(cards.map(card => [card.scenario, card.text]))
  t.match(text.credentialed, '{"user":"ada","cookieSent":true}', 'the cookie set by "Log in" was sent')
  t.match(text.exposed, "headers.get('X-Total-Count') → 3")
  t.match(text.exposed, "headers.get('X-Internal-Trace') → null (not exposed)")
  t.match(text['json-put'], 'OPTIONS (preflight) → 204')
  t.match(text['not-found'], '404 Not Found')
  t.match(text['server-error'], '500 Internal Server Error')
  t.match(text['custom-header'], 'TypeError: Failed to fetch')
  t.match(text['custom-header'], 'corsReason: header-not-allowed')

  // Chromium's console names the cause the page shows from the API's log.
  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    if (expected.chromium === undefined) continue
    const message = console.find(line => line.includes('blocked by CORS policy') && line.includes(expected.reasons === 'cors-disabled' ? '/api/internal' : expected.reasons === 'origin-not-allowed' ? '/api/partner' : expected.reasons === 'method-not-allowed' ? 'DELETE' : 'x-debug-token'))
    t.ok(message, `${scenario}: Chromium logged a CORS error`)
    const said = chromiumCause(message ?? '')
    t.same([said.cause, said.name ?? ''], expected.chromium, `${scenario}: ${message}`)
  }
  t.ok(printed.includes('header-not-allowed') && printed.includes('GET /api/hello 200'), 'the server printed requests and refusals')

  mkdirSync(new URL('../../artifacts/', import.meta.url), { recursive: true })
  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  t.pass(`screenshot written to ${SCREENSHOT}`)

  // What the page does not exercise: /api/me without the cookie, and the page server's log endpoint directly.
  t.same(await (await fetch(`${demo.apiUrl}/api/me`)).json(), { user: null, cookieSent: false })
  t.same(await (await fetch(`${demo.pageUrl}/log?trace=none`)).json(), [])
})

t.test('the demo API and log collector on their own', async t => {
  const api = await buildApi(cors)
  t.teardown(() => api.close())
  t.equal((await api.inject({ url: '/api/hello', headers: { origin: 'http://localhost:5173' } })).headers['access-control-allow-origin'], 'http://localhost:5173')

  const log = createLogCollector({ limit: 2 })
  for (const [id, url] of [['a', '/x?trace=1'], ['b', '/y?trace=1'], ['c', '/z?trace=1']]) {
    log.stream.write(JSON.stringify({ reqId: id, msg: 'incoming request', req: { method: 'GET', url } }))
    log.stream.write(JSON.stringify({ reqId: id, msg: 'CORS request refused: origin-not-allowed', corsReason: 'origin-not-allowed' }))
    log.stream.write(JSON.stringify({ reqId: id, msg: 'request completed', res: { statusCode: 200 } }))
  }
  t.same(log.trace('1').map(record => record.path), ['/y', '/z'], 'only the last `limit` requests are kept')
})
