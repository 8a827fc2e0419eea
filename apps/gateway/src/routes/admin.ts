// The admin context: rate limited, admin-authenticated routes for keys, owners, signing keys, verifiers and the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import adminAuditRoutes from './admin-audit.ts'
import adminKeyRoutes from './admin-keys.ts'
import adminSigningKeyRoutes from './admin-signing-keys.ts'
import adminVerifierRoutes from './admin-verifiers.ts'

export interface AdminRoutesOptions {
  keyPrefix: string
  /** Admin requests per minute per client address. */
  rateLimitPerMinute: number
}

const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, options) => {
  // Before authentication: a flood of bad admin tokens is cut off too.
  const perAddress = app.limitBy('admin', options.rateLimitPerMinute)
  app.addHook('onRequest', async (request) => perAddress(request, request.ip))
  // POST /revoke, /rotate and the like take an optional body: none at all means an empty one.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) request.body = {}
  })
  await app.register(adminKeyRoutes, { keyPrefix: options.keyPrefix })
  await app.register(adminAuditRoutes)
  await app.register(adminSigningKeyRoutes)
  await app.register(adminVerifierRoutes)
}

export default adminRoutes
