// The Public Suffix List as tldts ships it (a flat trie, read right to left),
// which tldts does not export: this file requires its data module directly, in
// both builds (.cts), and public-suffix.ts checks what it decodes against
// tldts's own answers before trusting it.
interface FlatSuffixTrie {
  nodeFlags: Uint8Array
  edgeStart: ArrayLike<number>
  edgeLength: ArrayLike<number>
  edgeChild: ArrayLike<number>
  labelText: string
  rulesRoot: number
}

function loadSuffixTrie (): FlatSuffixTrie {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('tldts/dist/cjs/src/data/trie.js')
}

export = { loadSuffixTrie }
