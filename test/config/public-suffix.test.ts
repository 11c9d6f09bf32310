import { test } from 'tap'
import { isPublicSuffix, publicSuffixOf, suffixBeneath, suffixTrie } from '../../lib/config/public-suffix.js'

test('public suffixes from both sections of the list, and hosts that are not', async t => {
  for (const host of ['com', 'co.uk', 'github.io', 'vercel.app']) t.ok(isPublicSuffix(host), host)
  for (const host of ['example.com', 'app.example.co.uk', 'me.github.io', 'localhost', 'dev.localhost', 'internal']) t.notOk(isPublicSuffix(host), host)
})

test('suffixBeneath names a public suffix strictly beneath a domain, through wildcard rules too', async t => {
  t.equal(suffixBeneath('amazonaws.com')?.endsWith('.amazonaws.com'), true)
  t.equal(suffixBeneath('core.windows.net')?.endsWith('.core.windows.net'), true)
  t.equal(suffixBeneath('railway.app'), 'up.railway.app')
  t.equal(suffixBeneath('kawasaki.jp'), '*.kawasaki.jp', "a '*' rule: every label beneath is a suffix")
  t.equal(suffixBeneath('cloudscale.ch')?.endsWith('.cloudscale.ch'), true, 'found below a label that is not itself a rule')
  for (const domain of ['example.com', 'github.io', 'x.compute.amazonaws.com', 'localhost', 'a.b.c.example']) t.equal(suffixBeneath(domain), undefined, domain)
  t.equal(suffixBeneath('railway.app.'), 'up.railway.app', 'a trailing dot is the same domain')
})

test('the decoded list agrees with tldts on every rule', async t => {
  let rules = 0
  let disagreements = 0
  const walk = (node: ReturnType<typeof suffixTrie>, labels: string[]): void => {
    for (const [label, child] of node.children) {
      const name = [label, ...labels]
      if (child.rule) {
        rules++
        const rule = name.join('.').replace(/^\*/, 'zz8q')
        if (publicSuffixOf(`zz9q.${rule}`) !== (child.children.has('*') ? `zz9q.${rule}` : rule)) disagreements++
      }
      walk(child, name)
    }
  }
  walk(suffixTrie(), [])
  t.ok(rules > 9000, `${rules} rules, ICANN and private`)
  t.equal(publicSuffixOf('127.0.0.1'), '127.0.0.1', 'an IP address has no suffix: the whole host stands for it')
  t.equal(disagreements, 0)
  t.equal(suffixTrie(), suffixTrie(), 'decoded once')
})

test('a tldts whose data this package cannot read fails loudly, naming the fix', async t => {
  const { suffixBeneath: broken } = await t.mockImport<typeof import('../../lib/config/public-suffix.js')>('../../lib/config/public-suffix.js', {
    '../../lib/config/public-suffix-rules.cjs': { loadSuffixTrie: () => ({ nodeFlags: new Uint8Array([0, 1]), edgeStart: [0, 1, 1], edgeLength: [3], edgeChild: [1], labelText: 'com', rulesRoot: 0 }) }
  })
  t.throws(() => broken('example.com'), /cannot read the Public Suffix List shipped by this version of tldts \(rule 'co\.uk'\): install the tldts version this package declares/)
})
