import { test } from 'tap'
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
    'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH)
  ]) t.notOk(isSerializedOrigin(origin), JSON.stringify(origin))
})

test('refusalReason tells malformed, opaque and merely not allowed apart', async t => {
  t.equal(refusalReason('null'), 'opaque-origin')
  t.equal(refusalReason('https://x.com/'), 'malformed-origin')
  t.equal(refusalReason('https://x.com'), 'origin-not-allowed')
})
