// Admin authentication by dogfooding: a Bearer token of this gateway in good standing whose scope, and
// whose key's current scopes, hold keygate:admin.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ADMIN_SCOPE, type AccessTokenClaims } from '@keygate/protocol'
import type { Actor } from '../audit/store.ts'
import { errors } from '../errors.ts'
import { createOwnTokens } from '../tokens/own-tokens.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: 401 without a valid token of this gateway (for the admin audience, when one is set), 403 without keygate:admin. */
    requireAdmin: (request: FastifyRequest) => Promise<void>
    /** Verifies a token of this gateway and its standing (any audience); throws KG_ERR_TOKEN_INVALID. */
    verifyOwnToken: (token: string) => Promise<AccessTokenClaims>
  }
  interface FastifyRequest {
    adminClaims: AccessTokenClaims | null
  }
}

/** The audit actor of a request: the admin's keyId, address, user agent and request id. */
export function actorOf (request: FastifyRequest): Actor {
  return {
    id: request.adminClaims?.client_id ?? 'anonymous',
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: request.id
  }
}

export function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim())
  return match?.[1]
}

interface AdminAuthOptions {
  issuer: string
  /** When set, an admin token's `aud` must name it. */
  adminAudience?: string | undefined
}

async function adminAuth (app: FastifyInstance, options: AdminAuthOptions): Promise<void> {
  const tokens = createOwnTokens({ db: app.db, issuer: options.issuer, adminAudience: options.adminAudience, publishedKeys: () => app.signer.publishedKeys() })

  app.decorate('verifyOwnToken', async (token: string) => (await tokens.check(token)).claims)
  app.decorateRequest('adminClaims', null)
  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    const token = bearerToken(request)
    if (!token) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'missing' })
    // A token minted for a downstream service is not one for the admin API, whatever its scope: the
    // service that received it could otherwise replay it here.
    const { claims, admin } = await tokens.check(token, { forAdmin: true })
    if (!admin) throw new errors.KG_ERR_SCOPE_INSUFFICIENT(ADMIN_SCOPE)
    request.adminClaims = claims
  })
}

export default fp(adminAuth, { name: 'keygate-admin-auth', fastify: '5.x', dependencies: ['keygate-db', 'keygate-signer'] })
