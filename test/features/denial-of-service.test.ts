// Denial of service: oversized Origins and header lists are refused before any
// RegExp, origin function or parser sees them, the RegExps accepted at startup
// answer crafted Origins quickly, and requests leave no state behind.
import { test } from 'tap'
import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { appWith, assertAllowed, assertRefused, get, preflight, printable } from '../fixtures/app.js'

// Limits pinned as literals: a change to them in lib/ must show up here.
const MAX_ORIGIN_LENGTH = 300
const MAX_REQUEST_HEADERS_LENGTH = 4096
const MAX_REQUEST_HEADERS_COUNT = 64

const ok = async () => 'ok'

test('DoS: oversized Access-Control-Request-Headers are refused without being parsed', async t => {
  const app = await appWith({ origin: 'https://a.com' })
  const megabyte = 'x-a,'.repeat(262144)
  const started = performance.now()
  const pre = await preflight(app, '/', 'https://a.com', 'GET', megabyte)
  t.comment(`1 MB Access-Control-Request-Headers answered in ${(performance.now() - started).toFixed(1)} ms`)
  t.equal(pre.statusCode, 403)
  t.equal(pre.body, 'CORS preflight refused: headers-too-long')

  const names = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}`).join(',')
  t.equal((await preflight(app, '/', 'https://a.com', 'GET', names(MAX_REQUEST_HEADERS_COUNT))).statusCode, 204, `${MAX_REQUEST_HEADERS_COUNT} names are accepted`)
  const tooMany = await preflight(app, '/', 'https://a.com', 'GET', names(MAX_REQUEST_HEADERS_COUNT + 1))
  t.equal(tooMany.body, 'CORS preflight refused: too-many-headers', `${MAX_REQUEST_HEADERS_COUNT + 1} names are refused`)
  const duplicates = Array.from({ length: 1000 }, () => 'x-a').join(',')
  t.equal((await preflight(app, '/', 'https://a.com', 'GET', duplicates)).headers['access-control-allow-headers'], 'x-a', 'duplicates count once')
  const atCap = 'x-' + 'a'.repeat(MAX_REQUEST_HEADERS_LENGTH - 2)
  t.equal((await preflight(app, '/', 'https://a.com', 'GET', atCap)).statusCode, 204, `${MAX_REQUEST_HEADERS_LENGTH} characters are accepted`)
  t.equal((await preflight(app, '/', 'https://a.com', 'GET', atCap + 'a')).body, 'CORS preflight refused: headers-too-long', `${MAX_REQUEST_HEADERS_LENGTH + 1} characters are refused`)
})

test('DoS: every RegExp accepted at startup (linear or quadratic) answers a crafted worst-case Origin quickly', async t => {
  // Accepted: a repeated group whose repetitions cannot overlap (each label ends
  // at its '.') is linear; two adjacent overlapping quantifiers are quadratic,
  // at most ~45,000 steps for an Origin of MAX_ORIGIN_LENGTH characters.
  const cases: Array<[RegExp, string, string]> = [
    [/^https:\/\/([a-z0-9-]+\.)+example\.com$/, 'https://a.b-c.example.com', 'https://' + 'a.'.repeat(Math.floor((MAX_ORIGIN_LENGTH - 19) / 2)) + 'example.co'],
    [/^https:\/\/([a-z0-9-]+\.)?partner\.example$/, 'https://a.partner.example', 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH - 24) + '.partner.exampl'],
    [/^https:\/\/\w*\w*\.example\.com$/, 'https://ab.example.com', 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH - 19) + '.example.co'],
    [/^https:\/\/[a-z0-9-]*[a-z0-9-]*\.example\.com$/, 'https://a-b.example.com', 'https://' + '-'.repeat(MAX_ORIGIN_LENGTH - 19) + '.example.co']
  ]
  for (const [origin, allowed, crafted] of cases) {
    t.ok(crafted.length <= MAX_ORIGIN_LENGTH, `the crafted Origin (${crafted.length} characters) reaches the RegExp`)
    const app = await appWith({ origin })
    await assertAllowed(t, app, allowed)
    await assertRefused(t, app, 'https://example.com.evil.com')
    const times: number[] = []
    for (let i = 0; i < 21; i++) {
      const started = performance.now()
      const response = await get(app, '/', crafted)
      times.push(performance.now() - started)
      if (response.headers['access-control-allow-origin'] !== undefined) t.fail(`${printable(crafted)} was allowed`)
    }
    // The median, so that a GC pause does not count; a cubic RegExp takes tens of ms here, a quartic one 0.6 s.
    const median = times.sort((a, b) => a - b)[10]
    t.ok(median < 10, `${String(origin)}: the crafted Origin is answered in ${median.toFixed(2)} ms (median of 21)`)
  }
})

test('DoS: an Origin over MAX_ORIGIN_LENGTH never reaches a RegExp or an origin function', async t => {
  const calls: string[] = []
  const executed: string[] = []
  const long = 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH) + '.example.com'
  const justUnder = 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH - 'https://.example.com'.length) + '.example.com'
  t.equal(justUnder.length, MAX_ORIGIN_LENGTH)
  const apps = [
    await appWith({ origin: [/^https:\/\/a+\.example\.com$/] }),
    await appWith({ origin: ['https://*.example.com'] }),
    await appWith({ origin: true }),
    await appWith({ origin: (origin: string) => { calls.push(origin); return true } })
  ]
  const nativeExec = RegExp.prototype.exec
  // eslint-disable-next-line no-extend-native -- a spy, restored after the test
  RegExp.prototype.exec = function (this: RegExp, input: string) {
    if (input === long) executed.push(String(this))
    return nativeExec.call(this, input)
  }
  try {
    for (const app of apps) {
      // Each of these would allow the origin if it were asked.
      t.equal((await get(app, '/', long)).headers['access-control-allow-origin'], undefined, 'the over-long origin is refused')
      t.equal((await preflight(app, '/', long, 'GET')).statusCode, 403, 'its preflight too')
      t.equal((await get(app, '/', justUnder)).headers['access-control-allow-origin'], justUnder, 'an origin at the cap is allowed')
    }
  } finally {
    // eslint-disable-next-line no-extend-native -- a spy, restored after the test
    RegExp.prototype.exec = nativeExec
  }
  t.same(executed, [], 'no RegExp ran on it')
  t.same(calls, [justUnder, justUnder].slice(0, calls.length), 'the origin function was called only for the origin at the cap')
  t.notOk(calls.includes(long), 'the origin function never saw the over-long origin')
})

test('the plugin keeps no per-request state: 20,000 distinct origins and header lists leave the heap flat', async t => {
  // As far as lib/ shows, the plugin's only collections are built at
  // registration (the per-server route registry, the per-scope compiled
  // overrides, the allowlist's Sets): none grows with requests. Measured over
  // real HTTP: light-my-request 6.8 itself retains ~9 KB per inject on Node 20.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const app = await appWith({ origin: [/^https:\/\/[a-z0-9]+\.example\.com$/, 'https://*.example.org', 'https://a.com'] }, app => {
    app.get('/', ok)
    app.get('/:id', ok)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  await new Promise(resolve => socket.once('connect', resolve))
  socket.setEncoding('latin1')

  // Pipelined requests on one connection; responses are counted by their status lines.
  // The last characters of each chunk are kept, so that a line split between two
  // chunks is found, but only occurrences that end in the new chunk are counted.
  let answered = 0
  let granted = 0
  let tail = ''
  let wanted = 0
  let wake: (() => void) | undefined
  const countNew = (text: string, needle: string, kept: number): number => {
    let count = 0
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      if (at + needle.length > kept) count++
    }
    return count
  }
  socket.on('data', (chunk: string) => {
    const text = tail + chunk
    answered += countNew(text, 'HTTP/1.1 ', tail.length)
    granted += countNew(text, 'access-control-allow-origin: https://h', tail.length)
    tail = text.slice(-40)
    if (wake !== undefined && answered >= wanted) { wake(); wake = undefined }
  })
  const request = (i: number): string => {
    const origin = `https://h${i}x${'p'.repeat(150)}.example.${i % 2 === 0 ? 'com' : 'org'}`
    return i % 2 === 0
      ? `GET /${i} HTTP/1.1\r\nHost: x\r\nOrigin: ${origin}\r\n\r\n`
      : `OPTIONS /${i} HTTP/1.1\r\nHost: x\r\nOrigin: ${origin}\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-a${i},x-b${i}\r\n\r\n`
  }
  const send = async (from: number, to: number): Promise<void> => {
    for (let start = from; start < to; start += 500) {
      const end = Math.min(to, start + 500)
      wanted = answered + end - start
      const done = new Promise<void>(resolve => { wake = resolve })
      socket.write(Array.from({ length: end - start }, (_, k) => request(start + k)).join(''))
      await done
    }
  }
  await send(0, 2000)
  gc()
  const before = process.memoryUsage().heapUsed
  await send(2000, 22000)
  gc()
  const grown = process.memoryUsage().heapUsed - before
  t.equal(answered, 22000, 'every request was answered')
  t.ok(granted >= 21000, `the origins were granted (${granted})`)
  t.comment(`heap growth over 20,000 requests: ${(grown / 1024).toFixed(0)} KiB (a cache of these origins alone would hold over 3,000 KiB)`)
  t.ok(grown < 1024 * 1024, 'the heap grew by less than 1 MiB')
})
