// Whether a host is itself a public suffix (com, co.uk, github.io): a wildcard
// on its subdomains covers sites run by anyone. Uses the maintained Public
// Suffix List, ICANN and private sections, as shipped by tldts.
import { parse } from 'tldts'

export function isPublicSuffix (host: string): boolean {
  const result = parse(host, { allowPrivateDomains: true, extractHostname: false })
  return result.publicSuffix === host && (result.isIcann === true || result.isPrivate === true)
}
