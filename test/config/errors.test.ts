import { test } from 'tap'
import { alreadyRegisteredError, ERROR_CODES, optionsError } from '../../lib/config/errors.js'

test('one problem: its own code and a sentence naming the option, why and the fix', async t => {
  const error = optionsError([{ kind: 'invalidOrigin', option: 'origin[0]', why: 'it has a path', fix: "use 'https://a.com'" }], 'cors option')
  t.equal(error.code, ERROR_CODES.invalidOrigin)
  t.equal(error.message, "cors option 'origin[0]': it has a path. Fix: use 'https://a.com'.")
  t.equal(error.problems.length, 1)
})

test('several problems: one error listing them all', async t => {
  const error = optionsError([
    { kind: 'invalidOption', option: 'maxAge', why: 'got -1', fix: 'use 0 to 86400' },
    { kind: 'unknownOption', option: 'orign', why: 'there is no such option', fix: "did you mean 'origin'?" }
  ], 'cors option')
  t.equal(error.code, ERROR_CODES.several)
  t.equal(error.message, "2 problems with cors options:\n  - cors option 'maxAge': got -1. Fix: use 0 to 86400.\n  - cors option 'orign': there is no such option. Fix: did you mean 'origin'?.")
})

test('the codes are stable', async t => {
  t.equal(alreadyRegisteredError().code, 'FST_CORS_ALREADY_REGISTERED')
  t.same(Object.values(ERROR_CODES).every(code => code.startsWith('FST_CORS_')), true)
})
