// Every route of the app, read from Fastify's own router once the app is ready,
// whatever the scope or the order in which it was declared. onRoute hooks see
// only the routes declared after them in their own scope; the router holds
// them all. Fastify exposes its router's routes through printRoutes(), whose
// meta-data builder receives each route with its context: we read them there.
import type { FastifyInstance } from 'fastify'

/** One route as Fastify's router holds it. */
export interface AppRoute {
  readonly method: string
  /** The path given to the router: prefix included, as find-my-way parses it. */
  readonly path: string
  readonly constraints: Readonly<Record<string, unknown>>
  /** The route's config object, the one `request.routeOptions.config` returns for its requests. */
  readonly config: Record<string | symbol, unknown>
  /** Names of the route's onRequest hooks, in the order they run. */
  readonly onRequestHooks: readonly string[]
  /** The instance the route was declared on. */
  readonly instance: FastifyInstance
}

interface RouterRoute {
  method: string
  path: string
  opts: { constraints: Record<string, unknown> }
  store: { config: Record<string | symbol, unknown>, onRequest: Array<{ name: string }> | null, server: FastifyInstance } | null
}

/** Lists the routes of the app's router. Call it when the app is ready (onReady): hooks are attached to routes by then. */
export function appRoutes (app: FastifyInstance): AppRoute[] {
  const routes: AppRoute[] = []
  const collect = (route: RouterRoute): Record<string, never> => {
    const store = route.store
    if (store !== null) {
      routes.push({
        method: route.method,
        path: route.path,
        constraints: route.opts.constraints,
        config: store.config,
        onRequestHooks: (store.onRequest ?? []).map(hook => hook.name),
        instance: store.server
      })
    }
    return {}
  }
  for (const method of app.supportedMethods) {
    // find-my-way sets `buildPrettyMeta` on the options it is given, then calls it
    // for each route of the method's tree: this getter makes it call `collect`.
    app.printRoutes({
      method,
      includeMeta: true,
      get buildPrettyMeta () { return collect },
      set buildPrettyMeta (_ignored: unknown) {}
    } as Parameters<FastifyInstance['printRoutes']>[0])
  }
  return routes
}
