// RegExp origins: refused at startup when they would allow more than their
// author meant — unanchored, an unescaped '.', catastrophic backtracking, a
// look-alike of the domain they name — and, for the checks under credentials,
// what they reach: any origin (probes) or the Public Suffix List (regexp-reach).
// Each RegExp is analysed once per process, however many routes use it.
import libraries from './regexp-libraries.cjs'
import { reachOfRegExp, type Reach } from './regexp-reach.js'

export interface RegExpFinding { why: string, fix: string }

/** What startup needs to know about one RegExp, computed once per process. */
export interface RegExpVerdict {
  /** Why it is refused whatever the other options say. */
  unsafe?: RegExpFinding
  /** Under credentials: what it reaches that nobody means to allow. */
  probes: ProbeFinding[]
  reach: Reach
}

const verdicts = new Map<string, RegExpVerdict>()

export function regExpVerdict (regexp: RegExp): RegExpVerdict {
  const key = `/${regexp.source}/${regexp.flags.replace(/[gy]/g, '')}`
  let verdict = verdicts.get(key)
  if (verdict === undefined) {
    verdict = judge(regexp)
    verdicts.set(key, verdict)
  }
  return verdict
}

function judge (regexp: RegExp): RegExpVerdict {
  const unsafe = checkRegExp(regexp)
  if (unsafe !== undefined) return { unsafe, probes: [], reach: { kind: 'analysed' } }
  const reach = reachOfRegExp(regexp)
  if (reach.kind === 'unanalysable') {
    return {
      unsafe: { why: `${String(regexp)} could not be analysed (${reach.why})`, fix: "simplify it, or use pattern strings such as 'https://*.example.com'" },
      probes: [],
      reach
    }
  }
  if (reach.lookAlike !== undefined) {
    const { probe, domain } = reach.lookAlike
    return {
      unsafe: {
        why: `${String(regexp)} matches '${probe}', a look-alike domain anyone can register that merely ends with '${domain}'`,
        fix: `require a dot before the domain, e.g. /^https:\\/\\/([a-z0-9-]+\\.)*${domain.replace(/[.-]/g, c => `\\${c}`)}$/, or list the origins`
      },
      probes: [],
      reach
    }
  }
  return { probes: probeRegExp(regexp), reach }
}

/** Refuses RegExps that would allow more than their author meant (syntax and backtracking). */
export function checkRegExp (regexp: RegExp): RegExpFinding | undefined {
  const source = regexp.source
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) {
    return {
      why: `${String(regexp)} is not anchored: it also matches origins that merely contain a match (e.g. 'https://example.com.evil.com')`,
      fix: 'start it with ^ and end it with $'
    }
  }
  const dot = literalDotIndex(source)
  if (dot !== -1) {
    return {
      why: `${String(regexp)} has an unescaped '.' at index ${dot}, which matches any character ('https://appxexample.com' for 'app.example.com')`,
      fix: "escape it as '\\.'"
    }
  }
  const risk = backtrackingRisk(regexp)
  if (risk !== undefined) {
    return {
      why: `${String(regexp)} ${risk}`,
      fix: "simplify it (no overlapping alternatives or quantifiers under a repetition), or use a pattern string such as 'https://*.example.com'"
    }
  }
  return undefined
}

/**
 * Proves a RegExp linear enough for an Origin of at most MAX_ORIGIN_LENGTH
 * characters. Quadratic is allowed: 300² steps are harmless; cubic and worse
 * are not. Two analyses on the RegExp's automaton, both from the eslint-plugin-regexp
 * stack: scslre finds quantifiers that trade characters (polynomial) or
 * repeat into themselves (exponential); overlapping alternatives under a
 * repetition ((a|a)*, (\w|\d)+), which scslre does not report, are found by
 * intersecting the alternatives' languages with refa.
 */
export function backtrackingRisk (regexp: RegExp): string | undefined {
  const { JS } = libraries.loadRefa()
  const { analyse } = libraries.loadScslre()
  try {
    const parser = JS.Parser.fromLiteral(wholeOriginRegExp(regexp))
    const overlap = overlappingAlternatives(parser)
    if (overlap !== undefined) return `can backtrack exponentially on a crafted Origin (e.g. ${JSON.stringify(overlap.repeat(30) + '!')})`
    const reports = analyse(parser.ast, { reportTypes: { Move: false } }).reports
    const exponential = reports.find(report => report.exponential)
    if (exponential !== undefined) return `can backtrack exponentially on a crafted Origin (e.g. ${JSON.stringify(exponential.character.pick.repeat(30) + '!')})`
    const degree = polynomialDegree(reports)
    return degree >= 3 ? `can backtrack in ${ordinal(degree)} degree polynomial time on a crafted Origin` : undefined
  } catch (error) {
    return `could not be proven free of catastrophic backtracking (${(error as Error).message})`
  }
}

type ScslreReport = ReturnType<ReturnType<typeof libraries.loadScslre>['analyse']>['reports'][number]

/** The degree of polynomial backtracking: 1 + the longest chain of quantifiers that trade characters pairwise. */
function polynomialDegree (reports: ScslreReport[]): number {
  const trades = new Map<unknown, Set<unknown>>()
  let degree = 1
  for (const report of reports) {
    // An unbounded parent makes a Self report exponential, refused before this.
    if (report.type === 'Self') degree = Math.max(degree, report.parentQuant.max)
    if (report.type !== 'Trade') continue
    const link = (a: unknown, b: unknown): void => { trades.set(a, (trades.get(a) ?? new Set()).add(b)) }
    link(report.startQuant, report.endQuant)
    link(report.endQuant, report.startQuant)
  }
  const longest = (from: unknown, visited: Set<unknown>): number => {
    let best = 1
    for (const next of trades.get(from) as Set<unknown>) {
      if (!visited.has(next)) best = Math.max(best, 1 + longest(next, new Set(visited).add(next)))
    }
    return best
  }
  for (const quantifier of trades.keys()) degree = Math.max(degree, longest(quantifier, new Set([quantifier])))
  return degree
}

function ordinal (n: number): string {
  return n === 3 ? '3rd' : `${n}th`
}

/** A string two alternatives of a repeated group both match, if any: each repetition can then go either way. */
function overlappingAlternatives (parser: InstanceType<ReturnType<typeof libraries.loadRefa>['JS']['Parser']>): string | undefined {
  const { NFA, isDisjointWith, getIntersectionWords, visitAst } = libraries.loadRefa()
  const { expression, maxCharacter } = parser.parse({ assertions: 'ignore', backreferences: 'disable', simplify: false })
  type Alternatives = typeof expression.alternatives
  const groups: Alternatives[] = []
  let repeated = 0
  visitAst(expression, {
    onQuantifierEnter (node) { if (node.max > 1) repeated++; if (repeated > 0 && node.alternatives.length > 1) groups.push(node.alternatives) },
    onQuantifierLeave (node) { if (node.max > 1) repeated-- },
    onAlternationEnter (node) { if (repeated > 0) groups.push(node.alternatives) }
  })
  for (const alternatives of groups) {
    const languages = alternatives.map(alternative => NFA.fromRegex({ type: 'Expression', alternatives: [alternative], parent: null } as unknown as typeof expression, { maxCharacter }, { assertions: 'ignore', unknowns: 'disable' }))
    for (let i = 0; i < languages.length; i++) {
      for (let j = i + 1; j < languages.length; j++) {
        if (isDisjointWith(languages[i], languages[j])) continue
        for (const word of getIntersectionWords(languages[i], languages[j])) {
          if (word.length > 0) return String.fromCodePoint(...word)
        }
      }
    }
  }
  return undefined
}

/** Index of the first '.' that stands for "any character" and is not quantified (so meant literally), or -1. */
function literalDotIndex (source: string): number {
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '.' && !'*+?{'.includes(source[i + 1])) return i
  }
  return -1
}

/** Origins that no allowlist means to allow: anyone can own them. */
const ARBITRARY_ORIGINS = ['https://attacker.example', 'https://a.b.attacker.test:8443', 'http://attacker.example']

export type ProbeFinding =
  | { kind: 'any', probe: string }
  | { kind: 'plainHttp', probe: string }

/**
 * Tests a RegExp, as the matcher will (whole, stateless), against origins it
 * must not match under credentials: arbitrary ones, and the plain-http twin of
 * the domain it ends with. Returns what it matched.
 */
export function probeRegExp (regexp: RegExp): ProbeFinding[] {
  const whole = wholeOriginRegExp(regexp)
  const any = ARBITRARY_ORIGINS.find(probe => whole.test(probe))
  if (any !== undefined) return [{ kind: 'any', probe: any }]
  const domain = literalDomainSuffix(regexp.source)
  if (domain === undefined) return []
  const http = [`http://${domain}`, `http://app.${domain}`, `http://www.${domain}`].find(candidate => whole.test(candidate))
  return http !== undefined && !/^http:\/\/(?:[a-z0-9.-]+\.)?localhost$/.test(http) ? [{ kind: 'plainHttp', probe: http }] : []
}

/**
 * The literal domain a RegExp source ends with, e.g. 'example.com' for
 * /^https:\/\/.*example\.com$/ or 'github.io' for /^https:\/\/[a-z]+\.github\.io$/
 * (an optional port group at the end is skipped). Undefined when there is none.
 * Only for the plain-http warning: what a RegExp reaches is decided on its automaton.
 */
export function literalDomainSuffix (source: string): string | undefined {
  const body = source.slice(0, -1).replace(/\((?:\?:)?:[^()]*\)\??$/, '')
  const match = /(?:[a-z0-9-]|\\\.)+$/i.exec(body)
  if (match === null) return undefined
  // A run that starts right after a backslash starts with an escape ('\w'), not a literal: drop that character.
  const run = match.index > 0 && body[match.index - 1] === '\\' ? match[0].slice(1) : match[0]
  const domain = run.replace(/\\\./g, '.').replace(/^\./, '').toLowerCase()
  return domain.includes('.') && !domain.startsWith('.') ? domain : undefined
}

/** A RegExp as the matcher tests it: anchored as a whole (`^(?:…)$`) and stateless (no g or y). */
export function wholeOriginRegExp (regexp: RegExp): RegExp {
  return new RegExp(`^(?:${regexp.source.slice(1, -1)})$`, regexp.flags.replace(/[gy]/g, ''))
}
