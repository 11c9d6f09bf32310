// The demo page on a phone (390 px wide, in headless Chromium): no favicon
// 404, no ?trace=N plumbing in the response bodies it shows, and nothing wider
// than the screen. (The scenarios themselves: test/browser/demo.test.ts.)
import { test } from 'tap'
import { chromium } from 'playwright-core'
import cors from '../../index.js'
import { startDemo } from '../../demo/start.js'

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

test('the demo page at 390 px: readable, no favicon 404, no trace parameter in the bodies shown', async t => {
  const demo = await startDemo(cors, { apiPort: 0, pagePort: 0 })
  t.teardown(() => demo.close())
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
  const notFound: string[] = []
  page.on('response', response => { if (response.status() === 404) notFound.push(new URL(response.url()).pathname) })
  await page.goto(demo.pageUrl)
  await page.click('#run-all')
  await page.waitForFunction(() => document.querySelectorAll('.card[data-state="done"]').length === document.querySelectorAll('.card').length, undefined, { timeout: 60_000 })
  t.same(notFound.filter(path => !path.startsWith('/api/')), [], 'the page itself requests nothing that is missing (no /favicon.ico)')
  const shown = await page.$$eval('.browser', cells => cells.map(cell => cell.textContent ?? '').join('\n'))
  t.match(shown, /Route GET:\/api\/nope not found/, "a 404 body is shown, without the page's ?trace=N")
  t.notMatch(shown, /trace=/)
  t.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing is wider than the screen')
  const widest = await page.$$eval('.card', cards => Math.max(...cards.map(card => card.getBoundingClientRect().right)))
  t.ok(widest <= 390, `cards fit (${widest} px)`)
})

test("the demo lists its routes' policies and explains a request without sending it", async t => {
  const demo = await startDemo(cors, { apiPort: 0, pagePort: 0 })
  t.teardown(() => demo.close())
  t.match(demo.routes, /^PUT, DELETE +\/api\/items\/:id +at \/ +registration$/m)
  t.match(demo.routes, /^POST +\/api\/internal +at \/ +off$/m)
  const explain = (body: unknown): Promise<Response> => fetch(`${demo.apiUrl}/cors/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const answer = await explain({ origin: demo.pageUrl, method: 'DELETE', url: '/api/items/42' })
  t.equal(answer.status, 200)
  t.match(await answer.json(), { route: 'DELETE /api/items/:id', registration: 'at /', preflight: { answeredBy: 'cors', passes: false }, actual: null, reason: 'method-not-allowed', fix: /methods/ })
  const wrong = await explain({ method: 'GET' })
  t.equal(wrong.status, 400, 'a request explain() cannot read: 400, never 500')
  t.match(await wrong.json(), { error: /'url' must be a path/ })
})
