// The app shapes of the route-count benchmark (scale.js, scale-server.js): the
// same routes for every variant, the same allowlist for both plugins, and the
// two requests that are measured. `--shape` picks one:
//
// rest (default), routes as a REST API declares them: resources i = 0, 1, 2, ...,
//   each with GET and POST /res{i}, one to four of GET, PUT, PATCH and DELETE
//   on /res{i}/:id, a nested parametric GET /res{i}/:id/items and a static GET
//   /res{i}/stats; one route in OVERRIDE_EVERY (5%), wherever it falls, so over
//   every method, carries its own config.cors (for ours only), in turn another
//   origin list, a maxAge, exposedHeaders, or false.
// groups, the earlier shape: groups i with a static GET /r{i}/items and a
//   parametric PUT /r{i}/items/:id, and on every DELETE_EVERY-th group a
//   DELETE /r{i}/items/:id with its own config.cors: overrides on one method only.
//
// Routes are added until exactly `routes` are declared (Fastify's automatic
// HEAD routes not counted). The measured requests hit the resource (group)
// nearest the middle of the table whose routes they need have no override
// refusing them (the hard case for ours: a method whose routes differ in policy).

// Imported here, before any timing starts: scale-server.js times `Fastify()` to ready, after its imports.
import fastifyCors from '@fastify/cors'
import corsExact from 'fastify-cors-exact'

export const ALLOWED_ORIGIN = 'https://a.example'
export const SCALE_OPTIONS = { origin: ['https://a.example', 'https://b.example'], credentials: true }
export const SHAPES = ['rest', 'groups']

export const OVERRIDE_EVERY = 20
export const REST_OVERRIDES = [
  { origin: ['https://a.example', 'https://c.example'], credentials: true },
  { maxAge: 600 },
  { exposedHeaders: ['x-total-count'] },
  false
]
const ID_METHODS = ['GET', 'PUT', 'PATCH', 'DELETE']

export const ROUTE_OVERRIDE = { origin: 'https://a.example' }
export const DELETE_EVERY = 20

/** [method, url, override, resource] entries; `probe`: the resource the measured requests hit and the method of its preflight. */
function restShape (routes) {
  const list = []
  const add = (method, url, i) => {
    if (list.length >= routes) return
    const index = list.length
    // A fresh object per route, as each route declares its own config literal.
    const kind = Math.floor(index / OVERRIDE_EVERY) % REST_OVERRIDES.length
    const override = index % OVERRIDE_EVERY === OVERRIDE_EVERY - 1 ? structuredClone(REST_OVERRIDES[kind]) : undefined
    list.push([method, url, override, i])
  }
  let i = 0
  for (; list.length < routes; i++) {
    add('GET', `/res${i}`, i)
    add('POST', `/res${i}`, i)
    for (const method of ID_METHODS.slice(0, 1 + (i % ID_METHODS.length))) add(method, `/res${i}/:id`, i)
    add('GET', `/res${i}/:id/items`, i)
    add('GET', `/res${i}/stats`, i)
  }
  const resources = i
  // Allowed for a.example: no override, or one that keeps a.example (every kind but false).
  const allowed = (method, url, r) => list.some(([m, u, o, k]) => k === r && m === method && u === url && o !== false)
  const has = (method, url, r) => list.some(([m, u, , k]) => k === r && m === method && u === url)
  let middle = Math.floor(resources / 2)
  while (middle > 0 && !(allowed('GET', `/res${middle}/stats`, middle) && allowed('PUT', `/res${middle}/:id`, middle) && has('PUT', `/res${middle}/:id`, middle))) middle--
  return {
    list,
    groups: resources,
    get: `/res${middle}/stats`,
    preflight: { path: `/res${middle}/5`, method: 'PUT', route: `/res${middle}/:id` }
  }
}

function groupsShape (routes) {
  const list = []
  for (let i = 0; list.length < routes; i++) {
    list.push(['GET', `/r${i}/items`, undefined, i])
    if (list.length < routes) list.push(['PUT', `/r${i}/items/:id`, undefined, i])
    if (list.length < routes && i % DELETE_EVERY === 0) list.push(['DELETE', `/r${i}/items/:id`, ROUTE_OVERRIDE, i])
  }
  const groups = list[list.length - 1][3] + 1
  // The middle group with a DELETE override whose PUT is declared too.
  let middle = Math.round(groups / 2 / DELETE_EVERY) * DELETE_EVERY
  while (middle > 0 && !list.some(([method, , , i]) => i === middle && method === 'DELETE')) middle -= DELETE_EVERY
  return { list, groups, get: `/r${middle}/items`, preflight: { path: `/r${middle}/items/5`, method: 'PUT', route: `/r${middle}/items/:id` } }
}

function shape (routes, name) {
  if (name === 'groups') return groupsShape(routes)
  return restShape(routes)
}

/** Declares the routes through `route(method, url, override)`; `preflightRoute(url)` is called once, for the preflighted path. */
export function buildRoutes (routes, name, { route, preflightRoute }) {
  const built = shape(routes, name)
  for (const [method, url, override] of built.list) route(method, url, override)
  preflightRoute(built.preflight.route)
  return describe(built)
}

/**
 * Registers `variant`'s plugin on `app` and declares the routes of `shape`, as
 * every scale benchmark builds its app: only ours gets the routes' config.cors
 * (@fastify/cors would read config.cors per request in its own format, and bare
 * ignores it), and bare gets a plain OPTIONS route answering 204 on the
 * preflighted path only, its floor for preflights. Returns buildRoutes' description.
 */
export async function declareScaleApp (app, variant, routes, name) {
  if (variant === 'ours') await app.register(corsExact, SCALE_OPTIONS)
  if (variant === 'fastify-cors') await app.register(fastifyCors, SCALE_OPTIONS)
  const payload = { ok: true }
  const handler = async () => payload
  return buildRoutes(routes, name, {
    route: (method, url, override) => app.route({ method, url, handler, ...(override && variant === 'ours' ? { config: { cors: override } } : {}) }),
    preflightRoute: (url) => { if (variant === 'bare') app.options(url, (request, reply) => { reply.code(204).header('content-length', '0').send() }) }
  })
}

/** The two measured requests at a size, and what each variant must answer (status, Access-Control-Allow-Origin present). */
export function scaleRequests (routes, name) {
  const built = shape(routes, name)
  return {
    get: {
      label: 'allowed GET',
      request: { method: 'GET', path: built.get, headers: { origin: ALLOWED_ORIGIN } },
      expect: { bare: [200, false], 'fastify-cors': [200, true], ours: [200, true] }
    },
    preflight: {
      label: 'allowed preflight',
      request: { method: 'OPTIONS', path: built.preflight.path, headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': built.preflight.method } },
      expect: { bare: [204, false], 'fastify-cors': [204, true], ours: [204, true] }
    }
  }
}

function describe (built) {
  const overrides = built.list.filter(entry => entry[2] !== undefined)
  return {
    declared: built.list.length,
    groups: built.groups,
    overrides: overrides.length,
    overrideMethods: [...new Set(overrides.map(entry => entry[0]))].sort(),
    get: built.get,
    preflight: built.preflight
  }
}

/** Resources (groups), overrides and measured paths at a size (for the report). */
export function describeShape (routes, name) {
  return describe(shape(routes, name))
}
