// The app under test, built from a model, and the model of its routes: which
// route, and so which policy, a request reaches.
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '../../../index.js'
import { mergeModels, toOptions, type AppModel, type Model } from './options.js'

// The app's routes (see build), in the router's order of precedence: static
// paths, then the parameter, then app.all('*') when catchAll is on. Each
// pattern's routes share one policy: the scope's, or the override's.
export interface RouteModel { pattern: string, methods: string[], policy: 'scope' | 'override' }
export const ROUTES: RouteModel[] = [
  { pattern: '/', methods: ['GET', 'HEAD', 'PUT'], policy: 'scope' },
  { pattern: '/r', methods: ['GET', 'HEAD'], policy: 'override' },
  { pattern: '/vary', methods: ['GET', 'HEAD'], policy: 'scope' },
  { pattern: '/varystar', methods: ['GET', 'HEAD'], policy: 'scope' },
  { pattern: '/err', methods: ['GET', 'HEAD'], policy: 'scope' },
  { pattern: '/own', methods: ['GET', 'HEAD', 'OPTIONS'], policy: 'scope' },
  { pattern: '/p/me', methods: ['GET', 'HEAD'], policy: 'scope' },
  { pattern: '/p/:id', methods: ['PUT'], policy: 'override' }
]
/** The methods app.all() declares in Fastify 5. */
export const ALL_METHODS = ['GET', 'HEAD', 'TRACE', 'DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY']
export const CATCH_ALL: RouteModel = { pattern: '*', methods: ALL_METHODS, policy: 'scope' }
export const PATHS = ['/', '/r', '/vary', '/varystar', '/err', '/own', '/p/me', '/p/7', '/missing']

export function patternMatches (pattern: string, path: string): boolean {
  if (pattern === '/p/:id') return path.startsWith('/p/') && path.length > 3 && !path.slice(3).includes('/')
  return pattern === path
}

/** The route a request for (method, path) reaches, undefined for a 404. */
export function routeFor (model: AppModel, method: string, path: string): RouteModel | undefined {
  return ROUTES.find(r => patternMatches(r.pattern, path) && r.methods.includes(method)) ?? (model.catchAll && ALL_METHODS.includes(method) ? CATCH_ALL : undefined)
}

/** The methods routed at a path (any pattern but the catch-all): what a browser-like preflight asks for. */
export function routedMethods (path: string): string[] {
  return [...new Set(ROUTES.filter(r => patternMatches(r.pattern, path)).flatMap(r => r.methods))]
}

/** A route's policy: undefined for config.cors false. */
export function policyOf (model: AppModel, route: RouteModel): Model | undefined {
  if (route.policy === 'scope') return model.scope
  return model.override === false ? undefined : mergeModels(model.scope, model.override ?? {})
}

export const handled: string[] = []

export async function build (model: AppModel): Promise<FastifyInstance> {
  const app = Fastify()
  try {
    await app.register(cors, toOptions(model.scope))
    const ok = (name: string) => async () => { handled.push(name); return 'ok' }
    const override = model.override === undefined || model.override === false ? model.override : toOptions(model.override)
    app.get('/', ok('/'))
    app.put('/', ok('/'))
    app.get('/r', { config: { cors: override } }, ok('/r'))
    app.get('/vary', async (_request, reply) => { handled.push('/vary'); reply.header('vary', 'Accept-Encoding'); return 'ok' })
    app.get('/varystar', async (_request, reply) => { handled.push('/varystar'); reply.header('vary', '*'); return 'ok' })
    app.get('/err', async () => { handled.push('/err'); throw Object.assign(new Error('teapot'), { statusCode: 418 }) })
    app.get('/own', ok('/own'))
    app.options('/own', ok('/own'))
    // A preflight to /p/me for PUT is answered by PUT /p/:id (the route the actual PUT reaches).
    app.get('/p/me', ok('/p/me'))
    app.put('/p/:id', { config: { cors: override } }, ok('/p/:id'))
    if (model.catchAll) app.all('*', ok('*'))
    if (model.notFoundVary) app.setNotFoundHandler((_request, reply) => { reply.code(404).header('vary', 'Accept-Language').send('not found') })
    await app.ready()
  } catch (error) {
    await app.close().catch(() => {})
    throw error
  }
  return app
}
