// The app shape of the route-count benchmark (scale.js, scale-server.js): the
// same routes for every variant, the same allowlist for both plugins, and the
// two requests that are measured.
//
// Groups i = 0, 1, 2, ...: static GET /r{i}/items, parametric PUT
// /r{i}/items/:id, and, on every DELETE_EVERY-th group, DELETE /r{i}/items/:id
// with its own policy (config.cors, for ours only) — so that PUT and DELETE at
// the same path have different policies and ours needs its router copy for
// them. Groups are added until exactly `routes` routes are declared (Fastify's
// automatic HEAD routes not counted). The requests hit the group nearest the
// middle of the table that has the DELETE override (the hard case for ours).

export const ALLOWED_ORIGIN = 'https://a.example'
export const SCALE_OPTIONS = { origin: ['https://a.example', 'https://b.example'], credentials: true }
export const ROUTE_OVERRIDE = { origin: 'https://a.example' }
export const DELETE_EVERY = 20

function shape (routes) {
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
  return { list, groups, middle }
}

/** Declares the routes through `route(method, url, override)`; `preflightRoute(url)` is called once, for the preflighted path. */
export function buildRoutes (routes, { route, preflightRoute }) {
  const { list, groups, middle } = shape(routes)
  for (const [method, url, override] of list) route(method, url, override)
  preflightRoute(`/r${middle}/items/:id`)
  return { declared: list.length, groups, middle, overrides: list.filter(entry => entry[2] !== undefined).length }
}

/** The two measured requests at a size, and what each variant must answer (status, Access-Control-Allow-Origin present). */
export function scaleRequests (routes) {
  const { middle } = shape(routes)
  return {
    get: {
      label: 'allowed GET',
      request: { method: 'GET', path: `/r${middle}/items`, headers: { origin: ALLOWED_ORIGIN } },
      expect: { bare: [200, false], 'fastify-cors': [200, true], ours: [200, true] }
    },
    preflight: {
      label: 'allowed preflight',
      request: { method: 'OPTIONS', path: `/r${middle}/items/5`, headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'PUT' } },
      expect: { bare: [204, false], 'fastify-cors': [204, true], ours: [204, true] }
    }
  }
}

/** Groups, middle group and number of DELETE overrides at a size (for the report). */
export function describeShape (routes) {
  const { list, groups, middle } = shape(routes)
  return { declared: list.length, groups, middle, overrides: list.filter(entry => entry[2] !== undefined).length }
}
