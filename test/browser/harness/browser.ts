// Helpers for the end-to-end suite (test/browser): a browser engine (see
// engines.ts), a page server and a Fastify API on different origins (all on
// *.localhost host names, which every engine resolves to the loopback
// interface), what the API logged, and what the engine said in its console.
import type { Test } from 'tap'
import { chromium, type Browser } from 'playwright-core'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import type { CorsOptions } from '../../../index.js'
import { REPLAY_USER_AGENT, startApi, type Api, type ApiOptions } from './api.js'
import { BINARIES, CHROMIUM_ARGS, LAUNCH_TIMEOUT, TIMEOUT, launch, type Engine, type EngineName, type FreeBrowser, type WebKitEngine } from './engines.js'
import { FETCH_ERROR, causeOf, causeOfReason, webkitMessage, type Cause } from './messages.js'

export { TIMEOUT, type EngineName } from './engines.js'
export * from './messages.js'
export * from './api.js'

/** Chromium alone, for the demo's test (test/browser/demo.test.ts). */
export function launchBrowser (): Promise<Browser> {
  return chromium.launch({ executablePath: BINARIES.chromium, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT })
}

/** What a request in the page is: fetch() or XMLHttpRequest, and its options. */
export interface RequestSpec {
  method?: string
  headers?: Record<string, string>
  body?: string
  credentials?: 'omit' | 'same-origin' | 'include'
  redirect?: 'follow' | 'error' | 'manual'
  /** Response headers to read with `headers.get()`, exposed or not. */
  read?: string[]
}

export interface XhrSpec {
  method?: string
  headers?: Record<string, string>
  body?: string
  withCredentials?: boolean
}

/** The browser's verdict on a cross-origin request: the page could read the response, or it got an error. */
export type Verdict =
  | { readable: true, status: number, body: string, redirected: boolean, url: string, headers: Record<string, string>, read: Record<string, string | null> }
  | { readable: false, error: string }

export interface XhrResult { event: string, status: number, body: string, headers: string }

/** One request in the page, as data: what the driver evaluates and what a replay runs. */
export type Step =
  | { kind: 'fetch', url: string, spec: RequestSpec }
  | { kind: 'xhr', url: string, spec: XhrSpec }

// These two run in the page (each engine's evaluate, and the replay script): self-contained.
async function pageFetch ({ url, spec, timeout }: { url: string, spec: RequestSpec, timeout: number }): Promise<Verdict> {
  try {
    const { read = [], ...init } = spec
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeout) })
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => { headers[name] = value })
    const picked: Record<string, string | null> = {}
    for (const name of read) picked[name] = response.headers.get(name)
    return { readable: true as const, status: response.status, body: await response.text(), redirected: response.redirected, url: response.url, headers, read: picked }
  } catch (error) {
    return { readable: false as const, error: String(error) }
  }
}

function pageXhr ({ url, spec, timeout }: { url: string, spec: XhrSpec, timeout: number }): Promise<XhrResult> {
  return new Promise(resolve => {
    const xhr = new XMLHttpRequest()
    xhr.open(spec.method ?? 'GET', url)
    xhr.timeout = timeout
    xhr.withCredentials = spec.withCredentials === true
    for (const [name, value] of Object.entries(spec.headers ?? {})) xhr.setRequestHeader(name, value)
    const done = (event: Event): void => resolve({ event: event.type, status: xhr.status, body: xhr.responseText, headers: xhr.getAllResponseHeaders() })
    xhr.onload = done
    xhr.onerror = done
    xhr.ontimeout = done
    xhr.send(spec.body ?? null)
  })
}

/** A replay: its steps, its id, and the page to go to when it is done. */
interface ReplayJob { id: number, then: string, steps: Array<Step & { page?: string }> }

/**
 * The script of every page: when the URL's fragment is `#replay=<job>`, it
 * runs the job's steps one after another and logs each verdict
 * (`replay-result <json>`), then `replay-done <id>`, and goes to the job's
 * `then` page. A step may name the page it runs in (`page`): the script then
 * navigates there and carries on.
 */
function replayScript (): string {
  return `
const pageFetch = ${pageFetch.toString()};
const pageXhr = ${pageXhr.toString()};
(async () => {
  if (!location.hash.startsWith('#replay=')) return
  const job = JSON.parse(decodeURIComponent(location.hash.slice('#replay='.length)))
  const here = location.href.split('#')[0]
  while (job.steps.length > 0) {
    const step = job.steps[0]
    if (step.page !== undefined && step.page !== here) {
      location.href = step.page + '#replay=' + encodeURIComponent(JSON.stringify(job))
      return
    }
    job.steps.shift()
    const arg = { url: step.url, spec: step.spec, timeout: ${TIMEOUT} }
    const result = step.kind === 'xhr' ? await pageXhr(arg) : await pageFetch(arg)
    console.log('replay-result ' + JSON.stringify(result))
  }
  console.log('replay-done ' + job.id)
  location.href = job.then
})()`
}

/**
 * The replay agent's page (WebKit): it asks the page server for the next
 * replay (GET /agent/next answers one, or 204 after a while), and goes there;
 * each replay comes back here when it is done.
 */
const AGENT_HTML = `<!doctype html><meta charset="utf-8"><title>agent</title><script>
(async () => {
  console.log('agent-ready')
  for (;;) {
    const response = await fetch('/agent/next', { cache: 'no-store' }).catch(() => undefined)
    if (response !== undefined && response.status === 200) {
      location.href = await response.text()
      return
    }
    if (response === undefined) await new Promise(resolve => setTimeout(resolve, 200))
  }
})()</script>`

/** The verdicts a replay logged (see replayScript), in order. */
export function replayResults (lines: string[]): Verdict[] {
  const marker = 'CONSOLE LOG replay-result '
  return lines.filter(line => line.includes(marker)).map(line => JSON.parse(line.slice(line.indexOf(marker) + marker.length)))
}

/**
 * Serves an empty HTML page for any path and any host name; /sandboxed is
 * served with `Content-Security-Policy: sandbox allow-scripts`, which gives
 * the document an opaque origin (its requests say `Origin: null`).
 */
export interface PageServer {
  readonly port: number
  /** `http://<host>:<port>`: pages on different hosts are different origins. */
  origin (host: string): string
  /** Hands a URL to the replay agent's page (see AGENT_HTML); `undefined` drops what it has not taken yet. */
  assign (url: string | undefined): void
  close (): Promise<void>
}

export async function startPageServer (): Promise<PageServer> {
  const app = Fastify()
  const html = `<!doctype html><meta charset="utf-8"><title>page</title><p>page</p><script>${replayScript()}</script>`
  let next: string | undefined
  let handOver: (() => void) | undefined
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send())
  app.get('/agent', (_request, reply) => { reply.type('text/html; charset=utf-8').send(AGENT_HTML) })
  app.get('/agent/next', async (_request, reply) => {
    // Long poll, at most 2 s: the URL to go to, or 204 and ask again.
    if (next === undefined) await new Promise<void>(resolve => { handOver = resolve; setTimeout(resolve, 2000) })
    handOver = undefined
    const url = next
    next = undefined
    reply.header('cache-control', 'no-store')
    return url === undefined ? reply.code(204).send() : reply.type('text/plain').send(url)
  })
  app.get('/*', (request, reply) => {
    if (request.url.startsWith('/sandboxed')) reply.header('content-security-policy', 'sandbox allow-scripts')
    reply.type('text/html; charset=utf-8').send(html)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as AddressInfo).port
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    assign (url) {
      next = url
      handOver?.()
    },
    close: () => app.close()
  }
}

/**
 * WebKit's console: one MiniBrowser without automation (see freeBrowser),
 * started at the first replay and kept for the suite, runs each replay
 * handed to its agent page, one at a time; a replay that does not finish in
 * time stops it, and the next replay starts another.
 */
class Replayer {
  private browser: FreeBrowser | undefined
  private jobs = 0

  constructor (private readonly engine: WebKitEngine, private readonly pages: PageServer) {}

  /** Runs the steps, from page `first` on; returns the console lines printed meanwhile. */
  async run (first: string, steps: Array<Step & { page?: string }>): Promise<string[]> {
    const agent = this.pages.origin('agent.localhost') + '/agent'
    if (this.browser === undefined || !this.browser.running()) {
      this.browser = this.engine.freeBrowser(agent, REPLAY_USER_AGENT)
      await this.browser.waitFor(line => line.includes('agent-ready'), 0, LAUNCH_TIMEOUT)
    }
    const browser = this.browser
    const job: ReplayJob = { id: ++this.jobs, then: agent, steps }
    const from = browser.lines.length
    this.pages.assign(`${first}#replay=${encodeURIComponent(JSON.stringify(job))}`)
    try {
      const done = await browser.waitFor(line => line.endsWith(`CONSOLE LOG replay-done ${job.id}`), from, TIMEOUT * 2)
      return browser.lines.slice(from, done + 1)
    } catch (error) {
      this.pages.assign(undefined)
      await this.close()
      throw error
    }
  }

  async close (): Promise<void> {
    await this.browser?.close()
    this.browser = undefined
  }
}

/**
 * A page of one origin. Tabs of a suite share one browser page, which each
 * tab navigates to its own URL before it runs a request (a navigation costs
 * far less than a new page), and one console log.
 */
export class Tab {
  /** The last request to each URL, to replay it (WebKit's console, see corsMessage). */
  private readonly sent = new Map<string, Step>()

  constructor (readonly engine: Engine, readonly url: string, private readonly replayer?: Replayer) {}

  /** Navigates the shared page to this tab's URL unless it is already there. */
  async show (): Promise<void> {
    if (this.engine.url() !== this.url) await this.engine.goto(this.url)
  }

  /** Runs a function in the page. */
  async evaluate<A, R> (fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    await this.show()
    return this.engine.evaluate(fn, arg)
  }

  /** Runs fetch() in the page. */
  async fetch (url: string, spec: RequestSpec = {}): Promise<Verdict> {
    this.sent.set(url, { kind: 'fetch', url, spec })
    return this.evaluate(pageFetch, { url, spec, timeout: TIMEOUT })
  }

  /** Runs an XMLHttpRequest in the page; a blocked request ends in `error` with status 0. */
  async xhr (url: string, spec: XhrSpec = {}): Promise<XhrResult> {
    this.sent.set(url, { kind: 'xhr', url, spec })
    return this.evaluate(pageXhr, { url, spec, timeout: TIMEOUT })
  }

  /**
   * The engine's console message about the CORS failure of the last request
   * to `url` (waits for it, up to TIMEOUT), which names the URL `named` (the
   * request's URL, or where it was redirected to). Chromium and Firefox: from the
   * console of the suite's page. WebKit: its WebDriver does not expose the
   * console, so the request is replayed by this tab's page in a MiniBrowser
   * without automation, which prints its console (the API does not record
   * the replay: see REPLAY_USER_AGENT).
   */
  async corsMessage (url: string, named = url): Promise<string> {
    if (this.engine.name === 'webkit') {
      const step = this.sent.get(url)
      if (step === undefined) throw new Error(`no request to ${url} to replay`)
      const message = webkitMessage(named, await this.replay([step]))
      MESSAGES.push(message)
      return message
    }
    url = named
    const about = this.engine.name === 'chromium'
      ? (text: string) => text.includes('blocked by CORS policy') && (text.includes(`at '${url}'`) || text.includes(`(redirected from '${url}')`))
      // Firefox quotes the URL in some messages (‘…’) and not in others.
      : (text: string) => text.startsWith('Cross-Origin Request Blocked') && (text.includes(` at ${url}. `) || text.includes(` at ‘${url}’. `))
    const deadline = Date.now() + TIMEOUT
    for (;;) {
      const found = this.engine.console.find(about)
      if (found !== undefined) {
        MESSAGES.push(found)
        return found
      }
      if (Date.now() > deadline) throw new Error(`no CORS message from ${this.engine.name} about ${url}; console: ${JSON.stringify(this.engine.console)}`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  /**
   * WebKit only: runs the steps in a MiniBrowser of its own, without
   * automation, starting on this tab's page; returns its console lines.
   * Each step may name another page (`page`) to run from.
   */
  async replay (steps: Array<Step & { page?: string }>): Promise<string[]> {
    if (this.replayer === undefined) throw new Error(`${this.engine.name} replays nothing: its console is read directly`)
    return this.replayer.run(steps[0].page ?? this.url, steps)
  }
}

export interface Refusal {
  /** A refused preflight (the actual request is never sent) or a refused actual request. */
  kind: 'preflight' | 'request'
  reason: string
  /** Whether the policy has `debug: true`. */
  debug?: boolean
  /** The method or header the engine should name (Firefox names the header, not the method). */
  name?: string
}

/** Every CORS message of the engine a suite asserted on (written to artifacts/ with SEEN). */
export const MESSAGES: string[] = []

/** Every refusal message a suite saw, by reason: the matrix writes them to artifacts/ for the README's table. */
export const SEEN: Array<{ reason: string, kind: 'preflight' | 'request', debug: boolean, cause: Cause, message: string }> = []

/**
 * Asserts that the browser blocked the request to `url`, that the plugin
 * logged exactly `reason` for it, and that the engine's console message names
 * the cause that this reason produces (see causeOfReason).
 */
export async function assertRefused (t: Test, tab: Tab, api: Api, url: string, verdict: Verdict, expected: Refusal): Promise<void> {
  const engine = tab.engine.name
  t.same(verdict, { readable: false, error: FETCH_ERROR[engine] }, 'the browser does not let the page read the response')
  const target = new URL(url)
  const logged = api.refusals().filter(r => r.url === target.pathname + target.search)
  t.same(logged.map(r => [r.method === 'OPTIONS' ? 'preflight' : 'request', r.reasons]), [[expected.kind, [expected.reason]]], `the plugin logged ${expected.kind} refusal ${expected.reason}`)
  const message = await tab.corsMessage(url)
  const said = causeOf(engine, message)
  SEEN.push({ reason: expected.reason, kind: expected.kind, debug: expected.debug === true, cause: said.cause, message })
  t.equal(said.cause, causeOfReason(engine, expected.kind, expected.reason, expected.debug === true), `${engine} names the cause: ${message}`)
  // Firefox's message about a refused method does not name the method.
  // WebKit names a header in its canonical case (Authorization): header names are case-insensitive.
  if (expected.name !== undefined && !(engine === 'firefox' && said.cause === 'method')) {
    t.equal(said.cause === 'header' ? said.name?.toLowerCase() : said.name, expected.name, `${engine} names ${expected.name}`)
  }
}

/**
 * One engine, one page server and one browser page for a test file; an API
 * per test, closed at the test's end. Each test's API listens on a new port,
 * so the preflight cache and the HTTP cache (keyed by URL) start empty for it;
 * cookies (keyed by host, not port) and the console log are cleared when a
 * test starts its API.
 */
export interface Suite {
  readonly engine: Engine
  readonly pages: PageServer
  /** `http://<host>:<page server port>` */
  origin (host: string): string
  /**
   * Starts an API for test `t`. Default: a new port (so the engine's caches
   * start empty for it), and the engine's console and cookies cleared.
   */
  api (t: Test, options: CorsOptions | undefined, routes?: ApiOptions['routes'], host?: string, port?: number | string, fresh?: boolean): Promise<Api>
  tab (host: string, path?: string): Tab
  close (): Promise<void>
}

export async function startSuite (name: EngineName): Promise<Suite> {
  const pages = await startPageServer()
  let engine: Engine
  try {
    engine = await launch(name)
  } catch (error) {
    await pages.close()
    throw error
  }
  const replayer = engine.name === 'webkit' ? new Replayer(engine as WebKitEngine, pages) : undefined
  return {
    engine,
    pages,
    origin: (host) => pages.origin(host),
    async api (t, options, routes, host, port, fresh = true) {
      if (fresh) {
        engine.console.length = 0
        await engine.clearCookies()
      }
      const api = await startApi(options, { routes, host, port: Number(port ?? 0) })
      t.teardown(() => api.close().catch(() => {}))
      return api
    },
    tab: (host, path = '/') => new Tab(engine, pages.origin(host) + path, replayer),
    async close () {
      await replayer?.close()
      await engine.close()
      await pages.close()
    }
  }
}
