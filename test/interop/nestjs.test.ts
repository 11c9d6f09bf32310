// NestJS on @nestjs/platform-fastify with the plugin instead of
// `app.enableCors()`: registered with `app.register()` after
// `NestFactory.create()` and before `app.init()` / `app.listen()`, when Nest
// declares its routes, so every controller route is governed, a route's
// `@RouteConfig({ cors })` overrides the policy, and Nest's exceptions are
// readable by an allowed page. Nest's decorators are applied as plain calls
// (no TypeScript decorator transform needed); Nest is loaded with require():
// tap's TypeScript loader cannot resolve its ES module build.
import 'reflect-metadata'
import t from 'tap'
import { createRequire, register } from 'node:module'
import type { INestApplication } from '@nestjs/common'
import type { NestFastifyApplication } from '@nestjs/platform-fastify'
import type { FastifyInstance } from 'fastify'
import cors from '../../index.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

// Node 22 and later: see the hook.
register('./fixtures/nest-resolve.mjs', import.meta.url)
const require = createRequire(import.meta.url)
const { Controller, Get, Put, Module, Param, UnauthorizedException } = require('@nestjs/common') as typeof import('@nestjs/common')
const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core')
const { FastifyAdapter, RouteConfig } = require('@nestjs/platform-fastify') as typeof import('@nestjs/platform-fastify')

type Decorator = (target: object, key: string, descriptor: PropertyDescriptor) => unknown

/** Applies method decorators as TypeScript's `@decorator` would. */
function decorate (target: { prototype: object }, key: string, ...decorators: Decorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key) as PropertyDescriptor
  for (const decorator of decorators.reverse()) decorator(target.prototype, key, descriptor)
}

class ItemsController {
  list (): Array<{ id: number }> { return [{ id: 1 }] }
  update (id: string): { id: string } { return { id } }
  account (): never { throw new UnauthorizedException() }
}
Controller('items')(ItemsController)
decorate(ItemsController, 'list', Get())
decorate(ItemsController, 'update', Put(':id'))
Param('id')(ItemsController.prototype, 'update', 0)
decorate(ItemsController, 'account', Get('account'), RouteConfig({ cors: { origin: APP, credentials: true } }) as Decorator)

class AppModule {}
Module({ controllers: [ItemsController] })(AppModule)

async function nestApp (): Promise<{ nest: INestApplication, app: FastifyInstance }> {
  const nest = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false })
  await nest.register(cors, { origin: [APP, 'https://admin.example.com'] })
  nest.setGlobalPrefix('api')
  await nest.init()
  return { nest, app: nest.getHttpAdapter().getInstance() }
}

t.test('a Nest app with the plugin instead of enableCors()', async t => {
  const { nest, app } = await nestApp()
  t.teardown(() => nest.close())

  const list = await app.inject({ url: '/api/items', headers: { origin: APP } })
  t.same(list.json(), [{ id: 1 }])
  t.same(corsView(list), { 'access-control-allow-origin': APP, vary: 'Origin' })
  t.same(corsView(await app.inject({ url: '/api/items', headers: { origin: EVIL } })), { vary: 'Origin' })

  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/items/7', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
  t.equal(preflight.statusCode, 204, 'the plugin answers the controller route\'s preflight')
  t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'PUT' })
  const put = await app.inject({ method: 'PUT', url: '/api/items/7', headers: { origin: APP, 'content-type': 'application/json' }, payload: '{}' })
  t.same(put.json(), { id: '7' })
  const refusedPut = await app.inject({ method: 'PUT', url: '/api/items/7', headers: { origin: EVIL, 'content-type': 'application/json' }, payload: '{}' })
  t.equal(refusedPut.statusCode, 403, 'a refused origin\'s PUT never reaches the controller')

  const account = await app.inject({ url: '/api/items/account', headers: { origin: APP } })
  t.equal(account.statusCode, 401, 'Nest\'s UnauthorizedException')
  t.same(corsView(account), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' }, '@RouteConfig({ cors }) is the route\'s policy, and the page reads its 401')
  const accountPreflight = await app.inject({ method: 'OPTIONS', url: '/api/items/account', headers: { origin: 'https://admin.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  t.equal(accountPreflight.statusCode, 403, 'and its preflights')

  const missing = await app.inject({ url: '/api/nope', headers: { origin: APP } })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['access-control-allow-origin'], APP, 'the page reads Nest\'s 404')
})
