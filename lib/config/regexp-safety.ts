// RegExp origins: refused at startup when they would allow more than their
// author meant — unanchored, an unescaped '.', catastrophic backtracking — and,
// with credentials, when they match probe origins that nobody should allow.
import recheck from './recheck.cjs'
import { isPublicSuffix } from './public-suffix.js'

export interface RegExpFinding { why: string, fix: string }

/** Refuses RegExps that would allow more than their author meant. */
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
 * characters, with recheck (a ReDoS checker: automaton analysis, then fuzzing).
 * Quadratic is allowed: 300² steps are harmless; cubic and worse are not.
 *
 * recheck's default synchronous backend starts a worker thread that spawns a
 * native checker process and keeps it running for the life of the process;
 * its pure-JavaScript backend (RECHECK_SYNC_BACKEND=pure, read at each call)
 * runs in this thread and leaves nothing behind.
 */
export function backtrackingRisk (regexp: RegExp, timeout = 10_000): string | undefined {
  const { checkSync } = recheck.loadRecheck()
  const previous = process.env.RECHECK_SYNC_BACKEND
  process.env.RECHECK_SYNC_BACKEND = 'pure'
  let diagnostics: ReturnType<typeof checkSync>
  try {
    diagnostics = checkSync(regexp.source, regexp.flags.replace(/[gy]/g, ''), { timeout })
  } finally {
    if (previous === undefined) delete process.env.RECHECK_SYNC_BACKEND
    else process.env.RECHECK_SYNC_BACKEND = previous
  }
  switch (diagnostics.status) {
    case 'safe': return undefined
    case 'vulnerable': {
      const complexity = diagnostics.complexity
      if (complexity.type === 'exponential') return `can backtrack exponentially on a crafted Origin (e.g. ${JSON.stringify(diagnostics.attack.pattern)})`
      return complexity.degree >= 3 ? `can backtrack in ${complexity.summary} time on a crafted Origin` : undefined
    }
    default: return `could not be proven free of catastrophic backtracking (${diagnostics.error.kind})`
  }
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
/** Hosts anyone can get a subdomain of (a sample of the Public Suffix List's most used entries). */
const PUBLIC_SUFFIXES = ['com', 'github.io', 'vercel.app', 'netlify.app', 'pages.dev', 'herokuapp.com', 'web.app', 'co.uk']

export type ProbeFinding =
  | { kind: 'any', probe: string }
  | { kind: 'publicSuffix', probe: string, suffix: string }
  | { kind: 'endsWith', probe: string, domain: string }
  | { kind: 'plainHttp', probe: string }

/**
 * Tests a RegExp, as the matcher will (whole, stateless), against origins it
 * must not match: arbitrary ones, subdomains of public suffixes (those listed
 * above and the one the RegExp itself ends with), a domain that merely ends
 * with the allowed one, and its plain-http twin. Returns what it matched.
 */
export function probeRegExp (regexp: RegExp): ProbeFinding[] {
  const whole = wholeOriginRegExp(regexp)
  const findings: ProbeFinding[] = []
  const any = ARBITRARY_ORIGINS.find(probe => whole.test(probe))
  if (any !== undefined) return [{ kind: 'any', probe: any }]
  const domain = literalDomainSuffix(regexp.source)
  const suffixes = [...PUBLIC_SUFFIXES]
  if (domain !== undefined && isPublicSuffix(domain)) suffixes.unshift(domain)
  for (const suffix of suffixes) {
    const probe = `https://attacker.${suffix}`
    if (whole.test(probe)) {
      findings.push({ kind: 'publicSuffix', probe, suffix })
      break
    }
  }
  if (domain !== undefined) {
    const probe = `https://evil${domain}`
    if (whole.test(probe)) findings.push({ kind: 'endsWith', probe, domain })
    const http = [`http://${domain}`, `http://app.${domain}`, `http://www.${domain}`].find(candidate => whole.test(candidate))
    if (http !== undefined && !/^http:\/\/(?:[a-z0-9.-]+\.)?localhost$/.test(http)) findings.push({ kind: 'plainHttp', probe: http })
  }
  return findings
}

/**
 * The literal domain a RegExp source ends with, e.g. 'example.com' for
 * /^https:\/\/.*example\.com$/ or 'github.io' for /^https:\/\/[a-z]+\.github\.io$/
 * (an optional port group at the end is skipped). Undefined when there is none.
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
