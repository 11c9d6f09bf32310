// Property (b) of issue 14: no origin setting reaches across a public-suffix
// boundary. Random RegExps from a grammar (alternations, groups, classes,
// quantifiers, optional parts, bare TLDs, ports) and random patterns, checked
// against the Public Suffix List by brute force over the origins they accept.
//
// The oracle never calls the plugin's code: it asks tldts (the list) whether a
// name is a public suffix, and V8 whether a RegExp matches. To know which
// characters of an origin a character class supplied, each RegExp is also
// rendered "marked": every class that offers two or more label characters
// also accepts '~', which no literal does. An attacker's label is one the
// marked RegExp accepts with a '~' in it.
//
// Rerun with another seed or more runs:
//   SUFFIX_SEED=<seed> SUFFIX_RUNS=<runs> npx tap test/properties/public-suffixes.test.ts --disable-coverage
import { test } from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import { parse } from 'tldts'
import cors from '../../index.js'
import type { StartupError } from '../fixtures/startup.js'

const SEED = process.env.SUFFIX_SEED !== undefined ? Number(process.env.SUFFIX_SEED) : 20261202
const RUNS = process.env.SUFFIX_RUNS !== undefined ? Number(process.env.SUFFIX_RUNS) : 200

/** One piece of a RegExp: how V8 sees it, how the marked twin sees it, and sample strings it produces (with '~' for class characters). */
interface Piece { source: string, marked: string, samples: string[] }

const literal = (text: string): Piece => ({ source: text.replace(/[.-]/g, c => c === '.' ? '\\.' : c), marked: text.replace(/\./g, '\\.'), samples: [text] })
const cls = (source: string, marked: string, samples: string[]): Piece => ({ source, marked, samples })

const WORDS = ['app', 'www', 'api', 'my-app', 'shop', 'example', 'evil', 'a1']
const CLASSES: Piece[] = [
  cls('[a-z]+', '[a-z~]+', ['~', 'a~', '~~']),
  cls('[a-z0-9-]+', '[a-z0-9~-]+', ['~', '~-~']),
  cls('[a-z0-9]*', '[a-z0-9~]*', ['', '~']),
  cls('\\w+', '[\\w~]+', ['~']),
  cls('[0-9]', '[0-9~]', ['~']),
  cls('[a-z]{2,4}', '[a-z~]{2,4}', ['~~', 'a~']),
  cls('.*', '.*', ['', '~', '~.~']),
  cls('.+', '.+', ['~', 'x.~']),
  cls('[a-z.]*', '[a-z.~]*', ['', '~', '~.']),
  cls('[a]', '[a]', ['a'])
]
// Names from both sections of the list, a '*' rule's parent, and domains that are not suffixes.
const SUFFIXES = ['com', 'io', 'org', 'co.uk', 'github.io', 'vercel.app', 'onrender.com', 's3.amazonaws.com', 'up.railway.app',
  'web.core.windows.net', 'compute.amazonaws.com', 'example.com', 'partner.example', 'localhost', 'amazonaws.com', 'core.windows.net']

function concat (...pieces: Piece[]): Piece {
  const samples = pieces.reduce<string[]>((acc, piece) => acc.flatMap(prefix => piece.samples.map(s => prefix + s)).slice(0, 24), [''])
  return { source: pieces.map(p => p.source).join(''), marked: pieces.map(p => p.marked).join(''), samples }
}

function alternation (pieces: Piece[]): Piece {
  return { source: `(?:${pieces.map(p => p.source).join('|')})`, marked: `(?:${pieces.map(p => p.marked).join('|')})`, samples: pieces.flatMap(p => p.samples) }
}

function optional (piece: Piece, repeat: boolean): Piece {
  return { source: `(?:${piece.source})${repeat ? '*' : '?'}`, marked: `(?:${piece.marked})${repeat ? '*' : '?'}`, samples: ['', ...piece.samples, ...(repeat ? piece.samples.map(s => s + s) : [])] }
}

const wordArb = fc.constantFrom(...WORDS).map(literal)
const classArb = fc.constantFrom(...CLASSES)
const labelArb: fc.Arbitrary<Piece> = fc.oneof(
  wordArb,
  classArb,
  fc.tuple(classArb, wordArb).map(([c, w]) => concat(c, w)),
  fc.tuple(wordArb, classArb).map(([w, c]) => concat(w, c)),
  fc.array(wordArb, { minLength: 2, maxLength: 3 }).map(alternation)
)
const suffixArb: fc.Arbitrary<Piece> = fc.oneof(
  fc.constantFrom(...SUFFIXES).map(literal),
  fc.array(fc.constantFrom('com', 'org', 'io', 'dev'), { minLength: 2, maxLength: 2 }).map(tlds => alternation(tlds.map(literal))),
  fc.constant(cls('[a-z]+', '[a-z~]+', ['com', 'io', 'app', '~']))
)
const hostArb: fc.Arbitrary<Piece> = fc.tuple(
  fc.option(fc.tuple(labelArb, fc.boolean()).map(([label, repeat]) => optional(concat(label, literal('.')), repeat)), { nil: undefined }),
  labelArb,
  suffixArb
).map(([prefix, label, suffix]) => concat(...(prefix === undefined ? [] : [prefix]), label, literal('.'), suffix))
const regexpArb = fc.tuple(
  fc.constantFrom(literal('https'), { source: 'https?', marked: 'https?', samples: ['https', 'http'] }, alternation([literal('https'), literal('wss')])),
  fc.array(hostArb, { minLength: 1, maxLength: 2 }).map(hosts => hosts.length === 1 ? hosts[0] : alternation(hosts)),
  fc.constantFrom(literal(''), { source: '(?::\\d+)?', marked: '(?::\\d+)?', samples: ['', ':8443'] })
).map(([scheme, host, port]) => {
  const whole = concat(scheme, { source: ':\\/\\/', marked: ':\\/\\/', samples: ['://'] }, host, port)
  return { regexp: new RegExp(`^${whole.source}$`), marked: new RegExp(`^${whole.marked}$`), samples: whole.samples }
})

/** Whether the list names this exact name a public suffix (ICANN or private section, '*' rules included). */
function isListed (name: string): boolean {
  const result = parse(name, { allowPrivateDomains: true, extractHostname: false })
  return result.publicSuffix === name && (result.isIcann === true || result.isPrivate === true)
}

/** The oracle: an origin the marked RegExp accepts whose label in front of a listed suffix holds a class character. */
function attackerWitness (marked: RegExp, samples: string[]): { origin: string, lookAlike: boolean } | undefined {
  let found: { origin: string, lookAlike: boolean } | undefined
  for (const origin of samples) {
    if (!marked.test(origin)) continue
    const host = origin.slice(origin.indexOf('://') + 3).replace(/:\d+$/, '')
    const labels = host.split('.')
    for (let i = labels.length - 1; i >= 1; i--) {
      const suffix = labels.slice(i).join('.')
      const label = labels[i - 1]
      if (suffix.includes('~') || label === '' || !label.includes('~') || !isListed(suffix)) continue
      // A look-alike: class characters, then a literal name that starts like a label.
      const lookAlike = /~[^~]*$/.test(label) && /^[a-z0-9]/.test(label.slice(label.lastIndexOf('~') + 1)) && !label.endsWith('~')
      if (lookAlike) return { origin, lookAlike }
      found ??= { origin, lookAlike }
    }
  }
  return found
}

/** Whether a probe the plugin names really is an attacker's origin: it matches, and a class supplied a character of its label in front of a listed suffix. */
function verifiesAsAttacker (regexp: RegExp, marked: RegExp, probe: string): boolean {
  if (!regexp.test(probe)) return false
  const hostStart = probe.indexOf('://') + 3
  const host = probe.slice(hostStart).replace(/:\d+$/, '')
  const labels = host.split('.')
  for (let i = labels.length - 1; i >= 1; i--) {
    if (!isListed(labels.slice(i).join('.'))) continue
    const labelStart = hostStart + labels.slice(0, i - 1).join('.').length + (i > 1 ? 1 : 0)
    for (let j = 0; j < labels[i - 1].length; j++) {
      const swapped = probe.slice(0, labelStart + j) + '~' + probe.slice(labelStart + j + 1)
      if (marked.test(swapped)) return true
    }
  }
  return false
}

async function startupError (options: Record<string, unknown>): Promise<StartupError | undefined> {
  const app = Fastify()
  try {
    await app.register(cors, options)
    await app.ready()
    return undefined
  } catch (error) {
    return error as StartupError
  } finally {
    await app.close()
  }
}

test('RegExps: under credentials, startup refuses exactly those that accept an attacker\'s label in front of a public suffix', async t => {
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs (set SUFFIX_SEED / SUFFIX_RUNS to change)`)
  const stats = { refusedForSuffix: 0, refusedAsLookAlike: 0, started: 0, refusedOtherwise: 0 }
  await fc.assert(fc.asyncProperty(regexpArb, async ({ regexp, marked, samples }) => {
    const witness = attackerWitness(marked, samples)
    const error = await startupError({ origin: regexp, credentials: true })
    const problem = error?.problems?.[0]
    const probe = problem === undefined ? undefined : /matches '([^']+)'/.exec(`${problem.why} ${problem.fix}`)?.[1]
    if (error === undefined) {
      stats.started++
      if (witness !== undefined) throw new Error(`${String(regexp)} started with credentials, yet accepts ${witness.origin.replace(/~/g, 'a')} (marked ${witness.origin})`)
      return
    }
    if (error.code === 'FST_CORS_PUBLIC_SUFFIX_WILDCARD') {
      stats.refusedForSuffix++
      if (probe === undefined || !verifiesAsAttacker(regexp, marked, probe)) throw new Error(`${String(regexp)} refused for '${String(probe)}', not an attacker's origin`)
      return
    }
    if (/look-alike/.test(error.message)) {
      stats.refusedAsLookAlike++
      if (probe === undefined || !verifiesAsAttacker(regexp, marked, probe)) throw new Error(`${String(regexp)} refused as a look-alike of '${String(probe)}', not an attacker's origin`)
      return
    }
    // Refused for another reason (backtracking, an arbitrary origin): the suffix rule is not what decided.
    stats.refusedOtherwise++
    if (!/backtrack|matches 'https?:\/\/attacker\.example'|matches 'https:\/\/a\.b\.attacker\.test/.test(error.message)) throw new Error(`${String(regexp)}: unexpected refusal ${error.message}`)
  }), { numRuns: RUNS, seed: SEED })
  t.comment(JSON.stringify(stats))
  t.ok(stats.started > 0 && stats.refusedForSuffix > 0 && stats.refusedAsLookAlike > 0, 'the grammar produces every outcome')
})

test('RegExps: without credentials, startup refuses a look-alike whenever the oracle finds one', async t => {
  await fc.assert(fc.asyncProperty(regexpArb, async ({ regexp, marked, samples }) => {
    const witness = attackerWitness(marked, samples)
    if (witness?.lookAlike !== true) return
    const error = await startupError({ origin: regexp })
    if (error === undefined) throw new Error(`${String(regexp)} started, yet accepts the look-alike ${witness.origin.replace(/~/g, 'a')}`)
  }), { numRuns: RUNS, seed: SEED + 1 })
  t.pass(`${RUNS} runs`)
})

const PATTERN_DOMAINS = ['amazonaws.com', 'core.windows.net', 'railway.app', 'example.com', 'github.io', 'vercel.app', 'co.uk', 'appspot.com', 'azurewebsites.net']
const BENEATH = ['s3', 'execute-api.us-east-1', 'web', 'up', 'blob', 'compute', 'x.compute', 'app', 'eu-west-1', 'dualstack.s3']

test('patterns: at request time a wildcard grants a host only where the labels it stands for lie above every public suffix of that host', async t => {
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...PATTERN_DOMAINS),
    fc.array(fc.tuple(fc.constantFrom('attacker', 'a', 'my-app', 'x1'), fc.option(fc.constantFrom(...BENEATH), { nil: undefined }), fc.constantFrom(...PATTERN_DOMAINS)), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
    async (domain, hosts, credentials) => {
      const app = Fastify()
      app.get('/', async () => 'ok')
      await app.register(cors, { origin: `https://*.${domain}`, ...(credentials ? { credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true } : {}) })
      try {
        for (const [label, middle, end] of hosts) {
          const host = [label, middle, end].filter(part => part !== undefined).join('.')
          const origin = `https://${host}`
          // The oracle, from the list: the host's suffix (tldts) must lie within the pattern's domain.
          const suffix = parse(host, { allowPrivateDomains: true, extractHostname: false }).publicSuffix ?? host
          const expected = host.endsWith(`.${domain}`) && suffix.length <= domain.length
          const reply = await app.inject({ url: '/', headers: { origin } })
          const granted = reply.headers['access-control-allow-origin'] === origin
          if (granted !== expected) throw new Error(`'https://*.${domain}' ${granted ? 'granted' : 'refused'} ${origin} (its public suffix: ${suffix})`)
        }
      } finally {
        await app.close()
      }
    }
  ), { numRuns: Math.ceil(RUNS / 3), seed: SEED + 2 })
  t.pass(`${Math.ceil(RUNS / 3)} runs`)
})
