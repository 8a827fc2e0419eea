// The admin context: rate limited, admin-authenticated routes for keys, owners and the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import rateLimit from '@fastify/rate-limit'
import { errors } from '../errors.ts'
import adminAuditRoutes from './admin-audit.ts'
import adminKeyRoutes from './admin-keys.ts'

export interface AdminRoutesOptions {
  keyPrefix: string
  /** Admin requests per minute per client address. */
  rateLimitPerMinute: number
}

const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, options) => {
  // Registered here, the limiter applies to this context's routes only.
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => Object.assign(new errors.KG_ERR_RATE_LIMITED(), { retryAfter: Math.ceil(context.ttl / 1000) })
  })
  // POST /revoke, /rotate and the like take an optional body: none at all means an empty one.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) request.body = {}
  })
  await app.register(adminKeyRoutes, { keyPrefix: options.keyPrefix })
  await app.register(adminAuditRoutes)
}

export default adminRoutes
