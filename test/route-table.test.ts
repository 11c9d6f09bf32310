import { test } from 'tap'
import Fastify from 'fastify'
import { pathKey, routeTableFor } from '../lib/route-table.js'
import type { RouteCors } from '../lib/preflight.js'

test('pathKey ignores parameter names only', async t => {
  t.equal(pathKey('/users/:id/files/:name'), pathKey('/users/:user/files/:file'))
  t.not(pathKey('/users/:id'), pathKey('/groups/:id'))
})

test('the table finds the route of a method at a URL, honours Host, and flags what it cannot tell apart', async t => {
  const app = Fastify()
  const table = routeTableFor(app)
  t.equal(routeTableFor(app), table, 'one table per server')
  const route = (name: string) => ({ policy: { name }, scope: Symbol(name), entry: { routes: new Map(), allowMethods: '' } }) as unknown as RouteCors
  const byId = route('byId')
  const me = route('me')
  table.add('PUT', '/users/:id', undefined, byId, false)
  table.add('GET', '/users/me', undefined, me, false)
  table.add('POST', '/api', undefined, me, true)
  table.add('GET', '/h', { host: 'a.test' }, byId, false)
  table.add('DELETE', '/x', { tenant: 'one' }, byId, false)
  table.add('DELETE', '/x', { tenant: 'two' }, me, false)
  table.add('PATCH', '/y', { tenant: 'one' }, me, false)
  table.add('PATCH', '/y', { tenant: 'two' }, me, false)
  const request = (url: string, host = 'localhost') => ({ raw: { url }, headers: { host } }) as unknown as Parameters<typeof table.find>[1]
  t.equal(table.find('PUT', request('/users/me?x=1')), byId)
  t.equal(table.find('GET', request('/users/me')), me)
  t.equal(table.find('GET', request('/users/7')), undefined)
  t.equal(table.find('POST', request('/api/')), me, 'a prefix root with its trailing slash')
  t.equal(table.find('GET', request('/h', 'a.test')), byId)
  t.equal(table.find('GET', request('/h', 'b.test')), undefined)
  t.equal(table.find('DELETE', request('/x')), 'ambiguous')
  t.equal(table.find('PATCH', request('/y')), me, 'same policy: no ambiguity')
  t.equal(table.find('__proto__', request('/x')), undefined, 'an unknown method is no lookup')
})
