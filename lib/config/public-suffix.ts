// The Public Suffix List (ICANN and private sections, as shipped by tldts):
// whether a host is a public suffix (com, co.uk, github.io), whether any
// suffix lies beneath a domain (s3.amazonaws.com beneath amazonaws.com), and
// the list itself as a trie that the RegExp analysis walks. A trailing dot
// (the fully qualified spelling) is ignored.
import { getPublicSuffix, parse } from 'tldts'
import rules from './public-suffix-rules.cjs'

export function isPublicSuffix (name: string): boolean {
  const host = withoutTrailingDot(name)
  const result = parse(host, { allowPrivateDomains: true, extractHostname: false })
  return result.publicSuffix === host && (result.isIcann === true || result.isPrivate === true)
}

/** The public suffix of a host per the list (the last label when no rule matches). */
export function publicSuffixOf (host: string): string {
  return getPublicSuffix(host, { allowPrivateDomains: true, extractHostname: false, validateHostname: false }) ?? host
}

/**
 * A public suffix strictly beneath the domain, if any ('s3.amazonaws.com' for
 * 'amazonaws.com'; for a '*' rule, one label standing for any: '*.compute.amazonaws.com').
 * Reads the list where tldts keeps it, without decoding the rest.
 */
export function suffixBeneath (domain: string): string | undefined {
  const trie = flatTrie()
  const labels = withoutTrailingDot(domain).split('.').reverse()
  let node: number | undefined = trie.data.rulesRoot
  for (const label of labels) {
    node = childOf(trie, node, label) ?? childOf(trie, node, '*')
    if (node === undefined) return undefined
  }
  const below = firstRuleBelow(trie, node)
  return below === undefined ? undefined : `${below}.${labels.reverse().join('.')}`
}

function firstRuleBelow (trie: FlatTrie, node: number): string | undefined {
  for (const [label, child] of edgesOf(trie, node)) {
    if (trie.data.nodeFlags[child] !== 0) return label
    const deeper = firstRuleBelow(trie, child)
    if (deeper !== undefined) return `${deeper}.${label}`
  }
  return undefined
}

/** A node of the suffix trie: children by label, right to left ('io' → 'github'); '*' stands for any one label. */
export interface SuffixNode {
  readonly children: ReadonlyMap<string, SuffixNode>
  /** The labels from the root to here, read right to left, are a rule of the list. */
  readonly rule: boolean
}

let decoded: SuffixNode | undefined

/** The whole list as a trie, decoded once per process (for the RegExp analysis, which walks all of it). */
export function suffixTrie (): SuffixNode {
  if (decoded === undefined) {
    const trie = flatTrie()
    const build = (node: number): SuffixNode => ({
      children: new Map([...edgesOf(trie, node)].map(([label, child]) => [label, build(child)])),
      rule: trie.data.nodeFlags[node] !== 0
    })
    decoded = build(trie.data.rulesRoot)
  }
  return decoded
}

interface FlatTrie { data: ReturnType<typeof rules.loadSuffixTrie>, offsets: Uint32Array }

let flat: FlatTrie | undefined

function flatTrie (): FlatTrie {
  if (flat === undefined) {
    const data = rules.loadSuffixTrie()
    const offsets = new Uint32Array(data.edgeLength.length)
    for (let edge = 1; edge < offsets.length; edge++) offsets[edge] = offsets[edge - 1] + data.edgeLength[edge - 1]
    flat = checked({ data, offsets })
  }
  return flat
}

function * edgesOf (trie: FlatTrie, node: number): Iterable<[string, number]> {
  const { data, offsets } = trie
  for (let edge = data.edgeStart[node]; edge < data.edgeStart[node + 1]; edge++) {
    yield [data.labelText.slice(offsets[edge], offsets[edge] + data.edgeLength[edge]), data.edgeChild[edge]]
  }
}

function childOf (trie: FlatTrie, node: number, label: string): number | undefined {
  for (const [edgeLabel, child] of edgesOf(trie, node)) if (edgeLabel === label) return child
  return undefined
}

// Rules tldts must agree with, one per kind: an ICANN TLD, a two-label ICANN
// rule, private rules, a '*' rule. A tldts release that changes its data's
// shape fails here, at the first pattern or RegExp checked, not silently.
const KNOWN_RULES = ['com', 'co.uk', 'github.io', 's3.amazonaws.com', 'up.railway.app', 'x.compute.amazonaws.com']

function checked (trie: FlatTrie): FlatTrie {
  for (const rule of KNOWN_RULES) {
    const node = rule.split('.').reverse().reduce<number | undefined>((at, label) => at === undefined ? undefined : childOf(trie, at, label) ?? childOf(trie, at, '*'), trie.data.rulesRoot)
    if (node === undefined || trie.data.nodeFlags[node] === 0 || publicSuffixOf(`a.${rule}`) !== rule) {
      throw new Error(`fastify-cors-exact cannot read the Public Suffix List shipped by this version of tldts (rule '${rule}'): install the tldts version this package declares`)
    }
  }
  return trie
}

function withoutTrailingDot (name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name
}
