// Whether a host is itself a public suffix (com, co.uk, github.io): a wildcard
// on its subdomains covers sites run by anyone. Uses the maintained Public
// Suffix List, ICANN and private sections, as shipped by tldts. A trailing dot
// (the fully qualified spelling) is ignored.
import { parse } from 'tldts'

export function isPublicSuffix (name: string): boolean {
  // 'github.io.' (the fully qualified spelling) is the same suffix as 'github.io'.
  const host = name.endsWith('.') ? name.slice(0, -1) : name
  const result = parse(host, { allowPrivateDomains: true, extractHostname: false })
  return result.publicSuffix === host && (result.isIcann === true || result.isPrivate === true)
}
