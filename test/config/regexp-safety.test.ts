import { test } from 'tap'
import { ERROR_CODES } from '../../index.js'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { backtrackingRisk, literalDomainSuffix, probeRegExp } from '../../lib/config/regexp-safety.js'
import { startup, failure } from '../fixtures/startup.js'

const run = promisify(execFile)

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

test('recheck is loaded only when a RegExp origin is configured, and leaves no process or thread running after close (child process)', async t => {
  const fixture = fileURLToPath(new URL('../fixtures/recheck-footprint.ts', import.meta.url))
  const loader = new URL('../../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url).href
  const started = Date.now()
  const { stdout } = await run(process.execPath, ['--import', loader, fixture], { timeout: 60_000, env: { ...process.env, RECHECK_SYNC_BACKEND: 'synckit' } })
  const result = JSON.parse(stdout) as { afterStrings: boolean, afterRegExps: boolean, childrenWhileOpen: string[], childrenAfterClose: string[] }
  t.equal(result.afterStrings, false, 'not loaded for origin strings')
  t.equal(result.afterRegExps, true, 'loaded for a RegExp')
  t.same(result.childrenWhileOpen, [], 'no native checker process, even with the synckit backend asked for in the environment')
  t.same(result.childrenAfterClose, [])
  t.ok(Date.now() - started < 60_000, 'the process exited by itself')
  t.equal(process.env.RECHECK_SYNC_BACKEND, undefined, 'the environment is restored')
})

test('the environment variable recheck reads is restored after each check', async t => {
  process.env.RECHECK_SYNC_BACKEND = 'pure'
  t.teardown(() => { delete process.env.RECHECK_SYNC_BACKEND })
  t.equal(backtrackingRisk(/^a$/), undefined)
  t.equal(process.env.RECHECK_SYNC_BACKEND, 'pure')
})

test('literalDomainSuffix finds the literal domain a RegExp ends with', async t => {
  const cases: Array<[RegExp, string | undefined]> = [
    [/^https:\/\/.*example\.com$/, 'example.com'],
    [/^https:\/\/[a-z0-9-]+\.github\.io$/, 'github.io'],
    [/^https:\/\/(www|shop)\.partner\.example(:\d+)?$/, 'partner.example'],
    [/^https:\/\/app\.example\.com(?::\d+?)?$/, 'app.example.com'],
    [/^https:\/\/\wexample\.com$/, 'example.com'],
    [/^https:\/\/[a-z]+$/, undefined],
    [/^http:\/\/localhost$/, undefined],
    [/^.*$/, undefined]
  ]
  for (const [regexp, domain] of cases) t.equal(literalDomainSuffix(regexp.source), domain, String(regexp))
})

test('probeRegExp reports what a RegExp matches that nobody means to allow', async t => {
  t.same(probeRegExp(/^https?:\/\/.+$/), [{ kind: 'any', probe: 'https://attacker.example' }])
  t.same(probeRegExp(/^https:\/\/[a-z-]+\.pages\.dev$/), [{ kind: 'publicSuffix', probe: 'https://attacker.pages.dev', suffix: 'pages.dev' }])
  t.same(probeRegExp(/^https:\/\/[a-z]+\.s3\.amazonaws\.com$/), [{ kind: 'publicSuffix', probe: 'https://attacker.s3.amazonaws.com', suffix: 's3.amazonaws.com' }], 'the suffix the RegExp ends with is probed too')
  t.same(probeRegExp(/^https?:\/\/.*example\.com$/), [{ kind: 'endsWith', probe: 'https://evilexample.com', domain: 'example.com' }, { kind: 'plainHttp', probe: 'http://example.com' }])
  t.same(probeRegExp(/^https:\/\/([a-z0-9-]+\.)*example\.com$/), [])
  t.same(probeRegExp(/^http:\/\/app\.localhost(:\d+)?$/), [], 'plain http on localhost is fine')
})
