// The Public Suffix List as tldts ships it, read from a module tldts does not
// export: this pins the layout public-suffix.ts decodes, so that a tldts
// release that changes it fails here first, by name.
import { test } from 'tap'
import rules from '../../lib/config/public-suffix-rules.cjs'

test("tldts's flat trie has the arrays and text public-suffix.ts decodes", async t => {
  const trie = rules.loadSuffixTrie()
  t.type(trie.nodeFlags, Uint8Array, 'a flag byte per node')
  const nodes = trie.nodeFlags.length
  t.equal(trie.edgeStart.length, nodes + 1, "each node's edges start at edgeStart[node], end at edgeStart[node + 1]")
  t.equal(trie.edgeLength.length, trie.edgeChild.length, 'an edge has a label length and a child')
  t.equal(trie.edgeStart[nodes], trie.edgeChild.length, 'the edges of all nodes, in order')
  t.ok(trie.edgeChild.length > 9000, `an edge per label of the list's rules, at least (${trie.edgeChild.length})`)
  t.ok(Array.from(trie.edgeChild).every(child => child >= 0 && child < nodes), 'every edge leads to a node')
  t.ok(trie.rulesRoot >= 0 && trie.rulesRoot < nodes, 'the root is a node')
  t.type(trie.labelText, 'string')
  t.equal(Array.from(trie.edgeLength).reduce((sum, length) => sum + length, 0), trie.labelText.length, "the edges' labels, end to end, are the text")
  t.equal(rules.loadSuffixTrie(), trie, 'required once')
})
