// Types of demo/start.js, for the TypeScript test suite.
import type { FastifyPluginAsync, FastifyPluginCallback } from 'fastify'

export const HOST: string

/** What the API logged about one request. */
export interface LoggedRequest {
  trace: string | null
  method: string
  path: string
  status: number | null
  corsReason: string | null
  message: string | null
}

export interface LogCollector {
  stream: { write (line: string): void }
  trace (trace: string): LoggedRequest[]
}

export function createLogCollector (options?: {
  limit?: number
  onComplete?: (request: LoggedRequest) => void
  onRefusal?: (request: LoggedRequest) => void
}): LogCollector

export interface Demo {
  apiUrl: string
  pageUrl: string
  /** fastify.cors.printRoutes() of the API: each route, its registration and policy. */
  routes: string
  close (): Promise<void>
}

export function startDemo (corsPlugin: FastifyPluginAsync<any> | FastifyPluginCallback<any>, options?: {
  apiPort?: number
  pagePort?: number
  onComplete?: (request: LoggedRequest) => void
  onRefusal?: (request: LoggedRequest) => void
}): Promise<Demo>
