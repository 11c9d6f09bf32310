// What the benchmark serves and sends: the allowlists, the equivalent options
// for fastify-cors-exact ("ours") and @fastify/cors, and the scenarios (one
// kind of request against one server configuration). Shared by run.js,
// server.js, micro.js and profile.js so that every variant sees the same thing.

/** The variants of bench:scale. */
export const VARIANTS = ['bare', 'fastify-cors', 'ours']
/**
 * The variants of npm run bench: also the "floor", the same answers as ours
 * hand-written in one global onRequest hook (floor.js).
 */
export const BENCH_VARIANTS = ['bare', 'floor', 'fastify-cors', 'ours']
export const VARIANT_LABELS = { bare: 'bare Fastify', floor: 'hand-written hook', 'fastify-cors': '@fastify/cors', ours: 'ours' }

export const exactOrigin = (i) => `https://app${i}.example.com`
export const exactList = (n) => Array.from({ length: n }, (_, i) => exactOrigin(i))
export const patternList = (n) => Array.from({ length: n }, (_, i) => `https://*.tenant${i}.example.com`)
/** The closest @fastify/cors equivalent of 'https://*.tenantN.example.com': one or more subdomain labels, anchored. */
export const regexpList = (n) => Array.from({ length: n }, (_, i) => new RegExp(`^https:\\/\\/(?:[a-z0-9-]+\\.)+tenant${i}\\.example\\.com$`))

export const DISALLOWED_ORIGIN = 'https://evil.example.net'
export const PARTNER_ORIGINS = ['https://partner-a.example.org', 'https://partner-b.example.org']

/** Options both plugins understand the same way; only `origin` differs per configuration. */
export const COMMON_OPTIONS = {
  credentials: true,
  methods: ['GET', 'POST'],
  allowedHeaders: ['content-type', 'x-api-key'],
  exposedHeaders: ['x-request-id'],
  maxAge: 600
}

/** The per-route override (config.cors) of the /api/partner route, the same object for both plugins. */
export const ROUTE_OVERRIDE = { origin: PARTNER_ORIGINS, credentials: false, exposedHeaders: ['x-partner'] }

/**
 * Server configurations. `allowed` is the Origin of an allowed request: the
 * middle entry of the list (the average case of a linear scan).
 */
export const CONFIGS = {
  list1: {
    label: '1 exact origin',
    ours: () => [exactOrigin(0)],
    // A one-item allowlist is a fixed origin in both plugins (same ACAO on every response, no Vary).
    fastifyCors: () => exactOrigin(0),
    allowed: exactOrigin(0)
  },
  list100: {
    label: '100 exact origins',
    ours: () => exactList(100),
    fastifyCors: () => exactList(100),
    allowed: exactOrigin(50),
    override: true
  },
  list10k: {
    label: '10,000 exact origins',
    ours: () => exactList(10000),
    fastifyCors: () => exactList(10000),
    allowed: exactOrigin(5000)
  },
  patterns100: {
    label: '100 patterns',
    ours: () => patternList(100),
    fastifyCors: () => regexpList(100),
    allowed: 'https://app.tenant50.example.com'
  }
}

const PREFLIGHT_HEADERS = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' }

/**
 * Request kinds. `expect` is checked once per variant before measuring, on one
 * real request: status and whether Access-Control-Allow-Origin is present.
 */
export const KINDS = {
  'get-allowed': {
    label: 'allowed GET',
    request: (config) => ({ method: 'GET', path: '/api/items', headers: { origin: config.allowed } }),
    expect: { bare: [200, false], floor: [200, true], 'fastify-cors': [200, true], ours: [200, true] }
  },
  'get-disallowed': {
    label: 'disallowed GET',
    request: () => ({ method: 'GET', path: '/api/items', headers: { origin: DISALLOWED_ORIGIN } }),
    // With one origin both plugins send that fixed origin (the browser then blocks the read).
    expect: (name) => ({ bare: [200, false], floor: [200, name === 'list1'], 'fastify-cors': [200, name === 'list1'], ours: [200, name === 'list1'] })
  },
  'preflight-allowed': {
    label: 'allowed preflight',
    request: (config) => ({ method: 'OPTIONS', path: '/api/items', headers: { origin: config.allowed, ...PREFLIGHT_HEADERS } }),
    expect: { bare: [204, false], floor: [204, true], 'fastify-cors': [204, true], ours: [204, true] }
  },
  'preflight-rejected': {
    label: 'rejected preflight',
    request: () => ({ method: 'OPTIONS', path: '/api/items', headers: { origin: DISALLOWED_ORIGIN, ...PREFLIGHT_HEADERS } }),
    // @fastify/cors never refuses a preflight: it answers 204 without (or, with a fixed origin, with) ACAO.
    expect: (name) => ({ bare: [204, false], floor: [403, false], 'fastify-cors': [204, name === 'list1'], ours: [403, false] })
  },
  'override-get-allowed': {
    label: 'allowed GET, route config.cors override',
    request: () => ({ method: 'GET', path: '/api/partner', headers: { origin: PARTNER_ORIGINS[1] } }),
    expect: { bare: [200, false], floor: [200, true], 'fastify-cors': [200, true], ours: [200, true] }
  }
}

/** Every scenario: each base kind on each configuration, and the override route on list100. */
export function allScenarios () {
  const scenarios = []
  for (const [configName, config] of Object.entries(CONFIGS)) {
    for (const kind of ['get-allowed', 'get-disallowed', 'preflight-allowed', 'preflight-rejected']) {
      scenarios.push(scenario(configName, config, kind))
    }
    if (config.override) scenarios.push(scenario(configName, config, 'override-get-allowed'))
  }
  return scenarios
}

function scenario (configName, config, kindName) {
  const kind = KINDS[kindName]
  const expect = typeof kind.expect === 'function' ? kind.expect(configName) : kind.expect
  return {
    id: `${configName}/${kindName}`,
    config: configName,
    kind: kindName,
    label: `${kind.label}, ${config.label}`,
    request: kind.request(config),
    expect
  }
}
