import { test } from 'tap'
import fc from 'fast-check'
import * as origin from '../../lib/spec/origin.js'

const { isSerializedOrigin, refusalReason } = origin
// Pinned as a literal: a change to it in lib/ must show up here.
const MAX_ORIGIN_LENGTH = 300

test('the Origin length limit is the documented one', async t => {
  t.equal(origin.MAX_ORIGIN_LENGTH, MAX_ORIGIN_LENGTH)
})

test('isSerializedOrigin accepts what browsers send', async t => {
  for (const origin of [
    'https://app.example.com', 'http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000',
    'https://xn--bcher-kva.example', 'chrome-extension://abcdefghijklmnop', 'https://a_b.example.com', 'http://localhost:65535'
  ]) t.ok(isSerializedOrigin(origin), origin)
})

test('isSerializedOrigin refuses anything else', async t => {
  for (const origin of [
    'null', '', 'https://app.example.com/', 'https://app.example.com/path', 'https://App.example.com', 'HTTPS://app.example.com',
    'https://app.example.com:443', 'http://app.example.com:80', 'https://user@app.example.com', 'https://app.example.com?x', 'https://app.example.com#x',
    'https://app..example.com', 'https://.example.com', 'app.example.com', 'https://app.example.com:0', 'https://app.example.com:65536',
    'https://app.example.com:080', 'https:// app.example.com', 'https://app.example.com\r\n', 'https://bücher.example', 'https://a.com, https://b.com',
    'http://[]', 'http://[::1..2]', 'http://[::1]x', 'https://a.com:', 'https://a.com:1x', 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH)
  ]) t.notOk(isSerializedOrigin(origin), JSON.stringify(origin))
})

test('refusalReason tells malformed, opaque and merely not allowed apart', async t => {
  t.equal(refusalReason('null'), 'opaque-origin')
  t.equal(refusalReason('https://x.com/'), 'malformed-origin')
  t.equal(refusalReason('https://x.com'), 'origin-not-allowed')
})

// The check as it was, one RegExp and two checks on its captures (kept here as the reference).
const capturing = /^([a-z][a-z0-9+.-]*):\/\/([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::([1-9][0-9]{0,4}))?$/
const defaultPorts: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' }
function reference (value: string): boolean {
  if (value.length > MAX_ORIGIN_LENGTH) return false
  const match = capturing.exec(value)
  if (match === null || match[2].includes('..')) return false
  return match[3] === undefined || (Number(match[3]) <= 65535 && defaultPorts[match[1]] !== match[3])
}

test('refusalReason remembers only the last origin: in any order of repeats, each reason is its own', async t => {
  const long = 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH)
  const pool = ['null', '', 'https://x.com', 'https://X.com', 'https://x.com/', 'http://localhost:80', 'http://localhost:8080', long, long + 'b']
  fc.assert(fc.property(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 30 }), origins => {
    for (const value of origins) {
      const expected = value === 'null' ? 'opaque-origin' : reference(value) ? 'origin-not-allowed' : 'malformed-origin'
      if (refusalReason(value) !== expected) return false
    }
    return true
  }), { numRuns: 2000, seed: 909 })
  t.pass('2,000 sequences of repeated and alternating origins')
})

test('isSerializedOrigin gives the verdict of the RegExp check it replaced, on origin-like strings', async t => {
  const piece = fc.constantFrom('https', 'http', 'ws', 'ftp', 'a+b.c', '://', ':', '.', '..', '[', ']', '::1', 'a', 'b-c', '_', '0', '1', '80', '443', '21', '65535', '65536', '080', '9', '/', 'A', ' ')
  const hostPiece = fc.constantFrom('a', 'b-c', '_', '0', '.', '..', 'x1', ':', ']')
  // Mostly shaped like an origin (scheme, '://', host, port), with stray pieces anywhere.
  const shaped = fc.tuple(fc.constantFrom('https', 'http', 'ws', 'wss', 'ftp', 'a+b.c', 'A'), fc.oneof(fc.array(hostPiece, { minLength: 1, maxLength: 6 }).map(p => p.join('')), fc.constant('[::1]'), fc.constant('[::1'), fc.constant('[]'), fc.constant('[::1..2]'), fc.constant('[A::1]')), fc.option(fc.constantFrom(':1', ':80', ':443', ':21', ':65535', ':65536', ':080', ':0', ':', ':8a')))
    .map(([scheme, host, port]) => `${scheme}://${host}${port ?? ''}`)
  const value = fc.oneof(shaped, fc.array(piece, { maxLength: 12 }).map(pieces => pieces.join('')))
  let accepted = 0
  fc.assert(fc.property(value, origin => {
    const verdict = isSerializedOrigin(origin)
    if (verdict) accepted++
    return verdict === reference(origin)
  }), { numRuns: 20000, seed: 4242 })
  t.ok(accepted > 500, `20,000 strings agree, ${accepted} of them origins`)
})
