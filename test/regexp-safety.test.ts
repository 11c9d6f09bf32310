import { test } from 'tap'
import { ERROR_CODES } from '../index.js'
import { backtrackingRisk } from '../lib/regexp-safety.js'
import { startup, failure } from './fixtures/startup.js'

test('RegExps must be anchored, escaped and safe', async t => {
  const unanchored = await failure({ origin: /example\.com$/ })
  t.equal(unanchored.code, ERROR_CODES.unsafeRegExp)
  t.match(unanchored.message, /is not anchored.*Fix: start it with \^ and end it with \$/)
  t.match((await failure({ origin: /^https:\/\/example\.com/ })).message, /not anchored/)
  t.match((await failure({ origin: /^https:\/\/example\.com\$/ })).message, /not anchored/, 'an escaped $ is not an anchor')
  const dotted = await failure({ origin: [/^https:\/\/app.example\.com$/] })
  t.match(dotted.message, /'origin\[0\]'.*unescaped '\.' at index 14.*appxexample.*Fix: escape it as '\\\.'/)
  t.resolves(startup({ origin: /^https:\/\/[a.]+\.example\.com$/ }), 'a dot in a class is literal')
  t.resolves(startup({ origin: /^https:\/\/.+\.example\.com$/ }), 'a quantified dot is meant')
  await t.resolves(startup({ origin: /^https:\/\/([a-z0-9-]+\.)?partner\.example$/ }), 'an optional group is linear')
  await t.resolves(startup({ origin: /^https:\/\/(?:app|www)\.example\.com(?::\d+?)?$/ }), 'group syntax and lazy quantifiers')
  await t.resolves(startup({ origin: /^https:\/\/([a-z]+\.)*example\.com$/ }), 'a repeated group that cannot overlap is linear')
  await t.resolves(startup({ origin: /^https:\/\/[a-z]*[a-z]*\.example\.com$/ }), 'quadratic is harmless on a 300-character Origin')
  for (const regexp of [/^(a+)+$/, /^https:\/\/(a|a)*\.example\.com$/, /^https:\/\/(\w|\d)+\.example\.com$/, /^https:\/\/([a-z]|[a-z0-9])+\.example\.com$/]) {
    const error = await failure({ origin: regexp })
    t.equal(error.code, ERROR_CODES.unsafeRegExp)
    t.match(error.message, /can backtrack exponentially on a crafted Origin \(e\.g\. ".+"\)\. Fix: simplify it/, String(regexp))
  }
  t.match((await failure({ origin: /^https:\/\/[a-z0-9-]*[a-z0-9-]*[a-z0-9-]*\.example\.com$/ })).message, /backtrack in 3rd degree polynomial time/)
})

test('a RegExp that cannot be proven safe in time is refused', async t => {
  t.match(backtrackingRisk(/^https:\/\/([a-z]+\.)*example\.com$/, 0), /could not be proven free of catastrophic backtracking \(timeout\)/)
})
