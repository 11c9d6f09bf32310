// Configured origins: parsing each string of the \`origin\` option ('*', an exact
// origin, a '*.' or ':*' pattern), and, for a string a browser would never send,
// why and what to write instead.
import { domainToASCII } from 'node:url'
import { CONFIGURED_ORIGIN, DEFAULT_PORTS, MAX_ORIGIN_LENGTH, portIsValid } from '../spec/origin.js'

export type OriginSetting =
  | { kind: 'any' }
  | { kind: 'exact', origin: string }
  | { kind: 'pattern', pattern: string, scheme: string, host: string, subdomains: boolean, anyPort: boolean }
  /** `suggestion`: the strings to put in its place, each valid (empty: remove it); absent when there is no sure fix. */
  | { kind: 'invalid', why: string, fix: string, suggestion?: string[] }

/**
 * Parses one configured origin string: '*', an exact serialized origin, or a
 * pattern with a leading '*.' (one or more subdomain labels) and/or a ':*' port.
 */
export function parseOriginSetting (value: string): OriginSetting {
  if (value === '*') return { kind: 'any' }
  if (value === 'null') {
    return {
      kind: 'invalid',
      why: "'null' is the opaque origin that sandboxed iframes, file: pages and redirected requests send: any site can produce it",
      fix: 'remove it; serve such documents from a real origin and allow that origin'
    }
  }
  const match = value.length <= MAX_ORIGIN_LENGTH ? CONFIGURED_ORIGIN.exec(value) : null
  if (match !== null && !match[3].includes('..') && portIsValid(match[1], match[4]) && canonicalIp(match[3]) === match[3]) {
    const [, scheme, star, host, port] = match
    if (star === undefined && port !== '*') return { kind: 'exact', origin: value }
    return { kind: 'pattern', pattern: value, scheme, host, subdomains: star !== undefined, anyPort: port === '*' }
  }
  return explainBadOrigin(value)
}

// A host the URL standard parses as IPv4 (its last label is a number: '127.1', '0x7f.0.0.1') or IPv6.
const IPV4_LIKE = /(?:^|\.)(?:0x[0-9a-f]*|[0-9]+)\.?$/

/** The form a browser serializes an IP-address host in ('127.0.0.1', '[::1]'); other hosts unchanged, undefined if unparseable. */
function canonicalIp (host: string): string | undefined {
  if (!host.startsWith('[') && !IPV4_LIKE.test(host)) return host
  try {
    return new URL(`http://${host}`).hostname
  } catch {
    return undefined
  }
}

const LOCAL_HOST = /^(?:localhost|[a-z0-9.-]+\.localhost|[0-9.]+|0x[0-9a-f.x]+|\[[0-9a-f:.]+\])(?::[0-9*]+)?$/i

/**
 * Says what is wrong with a configured origin string and, when there is a sure
 * fix, gives it: the string a browser would send, checked to parse.
 */
function explainBadOrigin (value: string): OriginSetting {
  if (value.trim() === '') {
    return { kind: 'invalid', why: 'it is empty (a trailing comma in a list, or an unset environment variable?)', fix: 'remove it', suggestion: [] }
  }
  if (value.includes(',')) {
    const parts = value.split(',').map(part => part.trim()).filter(part => part !== '')
    // Each part as it should be; a part without a sure fix is listed as is, and the list is then no sure fix either.
    const fixes = parts.map(part => { const setting = parseOriginSetting(part); return setting.kind === 'invalid' ? setting.suggestion : [part] })
    const sure = fixes.every(fix => fix !== undefined)
    const listed = sure ? fixes.flat() : parts
    return {
      kind: 'invalid',
      why: `it holds ${parts.length} origins separated by commas, and a browser sends one`,
      fix: `split it into a list: origin: [${listed.map(part => `'${part}'`).join(', ')}]${sure ? '' : ', then fix each'} (e.g. value.split(',').map(s => s.trim()))`,
      ...(sure ? { suggestion: listed } : {})
    }
  }
  const problems: string[] = []
  let rest = value
  if (rest.trim() !== rest) {
    problems.push('surrounding whitespace')
    rest = rest.trim()
  }
  let scheme: string
  const schemeEnd = rest.indexOf('://')
  if (schemeEnd <= 0 || /[^a-zA-Z0-9+.-]/.test(rest.slice(0, schemeEnd))) {
    rest = rest.replace(/^\/*/, '')
    scheme = LOCAL_HOST.test(rest.split(/[/?#]/)[0]) ? 'http' : 'https'
    problems.push('a missing scheme')
  } else {
    scheme = rest.slice(0, schemeEnd)
    rest = rest.slice(schemeEnd + 3)
    if (/[A-Z]/.test(scheme)) {
      problems.push('upper-case letters')
      scheme = scheme.toLowerCase()
    }
  }
  const cut = rest.search(/[/?#]/)
  if (cut !== -1) {
    const tail = rest.slice(cut)
    problems.push(tail === '/' ? 'a trailing slash' : tail[0] === '/' ? `a path ('${tail}')` : tail[0] === '?' ? 'a query' : 'a fragment')
    rest = rest.slice(0, cut)
  }
  const at = rest.lastIndexOf('@')
  if (at !== -1) {
    problems.push('user info')
    rest = rest.slice(at + 1)
  }
  if (/[A-Z]/.test(rest) && !problems.includes('upper-case letters')) problems.push('upper-case letters')
  rest = rest.toLowerCase()
  const portMatch = /:(\d+|\*)$/.exec(rest)
  let port = ''
  if (portMatch !== null) {
    rest = rest.slice(0, portMatch.index)
    if (DEFAULT_PORTS[scheme] === portMatch[1]) problems.push(`the default port :${portMatch[1]} (browsers omit it)`)
    else port = portMatch[0]
  }
  const star = rest.startsWith('*.') ? '*.' : ''
  let host = rest.slice(star.length)
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(host)) {
    const ascii = domainToASCII(host)
    if (ascii !== '') {
      problems.push(`a non-ASCII host (browsers send its punycode form '${ascii}')`)
      host = ascii
    }
  } else {
    const ip = canonicalIp(host)
    if (ip !== undefined && ip !== host) {
      problems.push(`a non-canonical IP address '${host}' (browsers send '${ip}')`)
      host = ip
    }
  }
  const suggestion = `${scheme}://${star}${host}${port}`
  if (problems.length === 0 || suggestion.length > MAX_ORIGIN_LENGTH || parseOriginSetting(suggestion).kind === 'invalid') {
    return {
      kind: 'invalid',
      why: 'it is not a serialized origin (scheme://host[:port], lower case)',
      fix: "write it as a browser sends it in the Origin header, e.g. 'https://app.example.com' or 'http://localhost:3000'"
    }
  }
  return { kind: 'invalid', why: `a browser never sends an Origin with ${problems.join(' and ')}`, fix: `use '${suggestion}'`, suggestion: [suggestion] }
}
