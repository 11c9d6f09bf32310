import { test } from 'tap'
import { mergeVary } from '../../lib/spec/vary.js'

test('mergeVary adds what is missing, case-insensitively, keeping what is there', async t => {
  t.equal(mergeVary('', ['Origin']), 'Origin')
  t.equal(mergeVary('Accept-Encoding', ['Origin']), 'Accept-Encoding, Origin')
  t.equal(mergeVary('accept-encoding, ORIGIN', ['Origin']), 'accept-encoding, ORIGIN')
  t.equal(mergeVary(' Accept ,, accept,', ['Origin', 'Access-Control-Request-Headers']), 'Accept, Origin, Access-Control-Request-Headers', 'empty elements and duplicates are dropped')
})

test("mergeVary keeps '*' as '*'", async t => {
  t.equal(mergeVary('*', ['Origin']), '*')
  t.equal(mergeVary('Accept, *', ['Origin']), '*')
})
