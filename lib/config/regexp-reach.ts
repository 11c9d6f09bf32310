// What a RegExp origin reaches on the Public Suffix List, decided on its
// automaton rather than on probes: refa turns the RegExp into a DFA, read from
// the end of the origin, and that DFA is walked in step with the list's trie.
//
// A label an attacker can pick is one whose characters come from a character
// class (`[a-z0-9-]`, `\w`, `.`): a literal name (`app`, `(www|shop)`) is the
// author's. To tell them apart, every class that offers two or more label
// characters offers instead their "shadows" (the same characters moved into a
// private-use range), so a path through the DFA says, character by character,
// whether the author wrote it or a class allowed it.
//
// Two findings, each with an origin the RegExp really matches:
// - publicSuffix: it matches scheme://[….]<label>.<suffix>[:port] for an entry
//   of the list, where <label> holds a character a class allowed;
// - lookAlike: in such a label, class characters come before a literal name
//   that starts like a label: /^https:\/\/.*example\.com$/ matches 'evilexample.com'.
import type { DFA, NoParent, Expression } from 'refa'
import libraries from './regexp-libraries.cjs'
import { suffixTrie, type SuffixNode } from './public-suffix.js'

export type ReachFinding =
  | { kind: 'publicSuffix', probe: string, suffix: string }
  | { kind: 'lookAlike', probe: string, domain: string }

export type Reach =
  | { kind: 'analysed', publicSuffix?: ReachFinding & { kind: 'publicSuffix' }, lookAlike?: ReachFinding & { kind: 'lookAlike' } }
  | { kind: 'unanalysable', why: string }

/** Beyond this many DFA states the RegExp is refused as too complex to prove safe. */
const MAX_DFA_NODES = 20_000

const SHADOW = 0xE000
// In the order probes prefer them.
const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-'
const LABEL_CODES = [...LABEL_CHARS].map(c => c.charCodeAt(0)).sort((a, b) => a - b)
const ALNUM = /[a-z0-9]/
const SCHEME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789+.-'
const DIGITS = '0123456789'

type Node = DFA.ReadonlyNode

export function reachOfRegExp (regexp: RegExp): Reach {
  let dfa: DFA
  try {
    dfa = reversedShadowDfa(regexp)
  } catch (error) {
    return { kind: 'unanalysable', why: (error as Error).message }
  }
  return new Walk(dfa).run()
}

/** The RegExp, matched whole, as a DFA over the reversed origin, class label characters shadowed. */
function reversedShadowDfa (regexp: RegExp): DFA {
  const { DFA, JS, NFA, transform, Transformers } = libraries.loadRefa()
  const whole = { source: `^(?:${regexp.source.slice(1, -1)})$`, flags: regexp.flags.replace(/[gy]/g, '') }
  // Classes are shadowed as written, before simplification can merge literal
  // alternatives into a class ((api|app) into ap[ip]).
  const { expression, maxCharacter } = JS.Parser.fromLiteral(whole).parse({ assertions: 'parse', backreferences: 'throw', simplify: false })
  const maximum = shadowClasses(expression, maxCharacter)
  // Anchors inside alternatives (/^a$|^b$/) resolve here; any other assertion
  // is then ignored, which only widens what the RegExp is taken to match.
  const simplified = transform(Transformers.simplify({ ignoreOrder: true, ignoreAmbiguity: true }), expression)
  const nfa = NFA.fromRegex(simplified, { maxCharacter: maximum }, { assertions: 'ignore' })
  nfa.reverse()
  return DFA.fromFA(nfa, new DFA.LimitedNodeFactory(MAX_DFA_NODES))
}

/** Shadows the label characters of every class that offers two or more; returns the classes' maximum character. */
function shadowClasses (expression: NoParent<Expression>, maxCharacter: number): number {
  const { CharSet, visitAst } = libraries.loadRefa()
  let maximum = maxCharacter
  visitAst(expression, {
    onCharacterClassEnter (node) {
      // With the v flag, refa's classes may span all of Unicode whatever the parser reports.
      maximum = node.characters.maximum
      const ascii = CharSet.fromRange(maximum, { min: 0x21, max: 0x7e })
      const label = CharSet.fromCharacters(maximum, LABEL_CODES)
      const chars = node.characters.intersect(ascii)
      const labelPart = chars.intersect(label)
      node.characters = labelPart.size < 2
        ? chars
        : chars.without(label).union(CharSet.fromCharacters(maximum, [...labelPart.characters()].map(c => c + SHADOW)))
    }
  })
  return maximum
}

/** Where the reversed origin is, after the public suffix has been read. */
const enum Phase { WildDot, WildLabel, Dot, Label, Rest, Slash, Colon, Scheme, SchemeMore }

/** What the label in front of the suffix has shown so far, read right to left. */
const enum Seen { Nothing, LiteralFromAlnum, LiteralFromHyphen, Hit }

type Finding = 'publicSuffix' | 'lookAlike'

interface Step { node: Node, phase: Phase, seen: Seen, read: string, tail: number }

interface Found { rest: string, tail: number }

type Analysed = Extract<Reach, { kind: 'analysed' }>

class Walk {
  private readonly finishes = new Map<string, Found | null>()
  private readonly ids = new Map<Node, number>()
  private readonly result: Analysed = { kind: 'analysed' }

  constructor (private readonly dfa: DFA.ReadonlyNode extends never ? never : { initial: Node, finals: ReadonlySet<Node> }) {}

  run (): Reach {
    this.visit(suffixTrie(), this.afterPort(), [])
    return this.result
  }

  private done (): boolean {
    return this.result.publicSuffix !== undefined && this.result.lookAlike !== undefined
  }

  /** The states after an optional port (digits and ':', read backwards), each with what was read. */
  private afterPort (): Map<Node, string> {
    const starts = new Map<Node, string>([[this.dfa.initial, '']])
    const digits = new Map<Node, string>()
    let frontier = new Map<Node, string>([[this.dfa.initial, '']])
    while (frontier.size > 0) {
      const next = new Map<Node, string>()
      for (const [node, read] of frontier) {
        for (const [target, c] of this.successors(node, DIGITS)) {
          if (!digits.has(target)) { digits.set(target, read + c); next.set(target, read + c) }
        }
      }
      frontier = next
    }
    for (const [node, read] of digits) {
      const target = node.out.get(COLON)
      if (target !== undefined && !starts.has(target)) starts.set(target, read + ':')
    }
    return starts
  }

  /** Walks the suffix trie in step with the DFA; `labels`: the suffix read so far, left to right. */
  private visit (trieNode: SuffixNode, states: Map<Node, string>, labels: string[]): void {
    for (const [label, child] of trieNode.children) {
      if (this.done()) return
      if (label === '*') {
        if (child.rule) this.check(states, labels, true)
        continue
      }
      let current = states
      for (const c of (labels.length === 0 ? '' : '.') + reverse(label)) {
        if (current.size === 0) break
        current = this.readBackwards(current, c)
      }
      if (current.size === 0) continue
      const suffix = [label, ...labels]
      if (child.rule) this.check(current, suffix, false)
      if (child.children.size > 0) this.visit(child, current, suffix)
    }
  }

  /** One character further from the end of the origin. */
  private readBackwards (states: Map<Node, string>, c: string): Map<Node, string> {
    const after = new Map<Node, string>()
    for (const [state, read] of states) {
      for (const [target] of this.successors(state, c)) if (!after.has(target)) after.set(target, read + c)
    }
    return after
  }

  /** For states just past a public suffix: can an origin with an attacker's label in front of it be read to the end? */
  private check (states: Map<Node, string>, labels: string[], wildcard: boolean): void {
    const count = labels.length + (wildcard ? 1 : 0)
    for (const [node, read] of states) {
      for (const finding of ['publicSuffix', 'lookAlike'] as const) {
        if (this.result[finding] !== undefined) continue
        const found = this.finish(node, wildcard, finding)
        if (found === null) continue
        const probe = reverse(read + found.rest)
        const hostLabels = hostOf(probe).split('.')
        const suffix = hostLabels.slice(-count).join('.')
        if (finding === 'publicSuffix') this.result.publicSuffix = { kind: 'publicSuffix', probe, suffix }
        else this.result.lookAlike = { kind: 'lookAlike', probe, domain: `${hostLabels[hostLabels.length - count - 1].slice(-found.tail)}.${suffix}` }
      }
    }
  }

  /**
   * Breadth-first search, from a state just past the suffix, for the rest of a
   * reversed origin ('.', the label, more labels, '//:', a scheme) that the DFA
   * accepts with the label the finding needs. Memoized per state.
   */
  private finish (start: Node, wildcard: boolean, finding: Finding): Found | null {
    const key = `${this.idOf(start)}:${wildcard ? 1 : 0}:${finding}`
    const known = this.finishes.get(key)
    if (known !== undefined) return known
    const visited = new Set<string>()
    let frontier: Step[] = [{ node: start, phase: wildcard ? Phase.WildDot : Phase.Dot, seen: Seen.Nothing, read: '', tail: 0 }]
    let found: Found | null = null
    while (frontier.length > 0 && found === null) {
      const next: Step[] = []
      for (const step of frontier) {
        if (step.phase === Phase.SchemeMore && this.dfa.finals.has(step.node)) {
          found = { rest: step.read, tail: step.tail }
          break
        }
        for (const successor of this.advance(step, finding)) {
          const id = `${this.idOf(successor.node)}:${successor.phase}:${successor.seen}`
          if (visited.has(id)) continue
          visited.add(id)
          next.push(successor)
        }
      }
      frontier = next
    }
    this.finishes.set(key, found)
    return found
  }

  private * advance (step: Step, finding: Finding): Iterable<Step> {
    const { node, phase, seen, read, tail } = step
    const to = (target: Node, c: string, nextPhase: Phase, nextSeen = seen, nextTail = tail): Step =>
      ({ node: target, phase: nextPhase, seen: nextSeen, read: read + c, tail: nextTail })
    const dot = node.out.get(DOT)
    const slash = node.out.get(SLASH)
    const afterDot = read.endsWith('.')
    switch (phase) {
      case Phase.WildDot:
        if (dot !== undefined) yield to(dot, '.', Phase.WildLabel)
        return
      case Phase.WildLabel:
        for (const [target, c] of this.successors(node, LABEL_CHARS)) yield to(target, c, Phase.WildLabel)
        if (!afterDot && dot !== undefined) yield to(dot, '.', Phase.Label)
        return
      case Phase.Dot:
        if (dot !== undefined) yield to(dot, '.', Phase.Label)
        return
      case Phase.Label:
        for (const [target, c, shadow] of this.successors(node, LABEL_CHARS)) {
          const nextState = nextSeen(seen, c, shadow, finding)
          // tail: how many literal characters end the label (the look-alike's allowed name), fixed once it is hit.
          const nextTail = seen === Seen.Hit ? tail : !shadow ? tail + 1 : nextState === Seen.Hit ? tail : 0
          yield to(target, c, Phase.Label, nextState, nextTail)
        }
        if (seen === Seen.Hit && !afterDot) {
          if (dot !== undefined) yield to(dot, '.', Phase.Rest)
          if (slash !== undefined) yield to(slash, '/', Phase.Slash)
        }
        return
      case Phase.Rest:
        for (const [target, c] of this.successors(node, LABEL_CHARS + '.')) yield to(target, c, Phase.Rest)
        if (!afterDot && slash !== undefined) yield to(slash, '/', Phase.Slash)
        return
      case Phase.Slash:
        if (slash !== undefined) yield to(slash, '/', Phase.Colon)
        return
      case Phase.Colon: {
        const colon = node.out.get(COLON)
        if (colon !== undefined) yield to(colon, ':', Phase.Scheme)
        return
      }
      default:
        for (const [target, c] of this.successors(node, SCHEME_CHARS)) yield to(target, c, Phase.SchemeMore)
    }
  }

  /** The states a character leads to, as written and (for a label character) as a class's shadow. */
  private successors (node: Node, chars: string): Array<[Node, string, boolean]> {
    const result: Array<[Node, string, boolean]> = []
    for (const c of chars) {
      const code = c.charCodeAt(0)
      const real = node.out.get(code)
      if (real !== undefined) result.push([real, c, false])
      const shadow = LABEL_CHARS.includes(c) ? node.out.get(code + SHADOW) : undefined
      if (shadow !== undefined) result.push([shadow, c, true])
    }
    return result
  }

  private idOf (node: Node): number {
    let id = this.ids.get(node)
    if (id === undefined) {
      id = this.ids.size
      this.ids.set(node, id)
    }
    return id
  }
}

const DOT = 46
const SLASH = 47
const COLON = 58

/** The label's state after one more character, read right to left. */
function nextSeen (seen: Seen, c: string, shadow: boolean, finding: Finding): Seen {
  if (seen === Seen.Hit) return Seen.Hit
  if (finding === 'publicSuffix') return shadow ? Seen.Hit : Seen.Nothing
  if (!shadow) return ALNUM.test(c) ? Seen.LiteralFromAlnum : Seen.LiteralFromHyphen
  return seen === Seen.LiteralFromAlnum ? Seen.Hit : Seen.Nothing
}

function reverse (text: string): string {
  return [...text].reverse().join('')
}

function hostOf (origin: string): string {
  return origin.slice(origin.indexOf('://') + 3).replace(/:\d*$/, '')
}
