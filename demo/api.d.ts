// Types of demo/api.js, for the TypeScript test suite.
import type { FastifyInstance, FastifyPluginAsync, FastifyPluginCallback, FastifyServerOptions } from 'fastify'

export function buildApi (
  corsPlugin: FastifyPluginAsync<any> | FastifyPluginCallback<any>,
  options?: { logger?: FastifyServerOptions['logger'] }
): Promise<FastifyInstance>
