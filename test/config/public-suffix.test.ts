import { test } from 'tap'
import { isPublicSuffix } from '../../lib/config/public-suffix.js'

test('public suffixes from both sections of the list, and hosts that are not', async t => {
  for (const host of ['com', 'co.uk', 'github.io', 'vercel.app']) t.ok(isPublicSuffix(host), host)
  for (const host of ['example.com', 'app.example.co.uk', 'me.github.io', 'localhost', 'dev.localhost', 'internal']) t.notOk(isPublicSuffix(host), host)
})
