// Admin authentication by dogfooding: a Bearer token of this gateway, with scope keygate:admin,
// from a key that is still usable and a token that is not revoked.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ADMIN_SCOPE, type AccessTokenClaims, parseScope } from '@keygate/protocol'
import type { Actor } from '../audit/store.ts'
import { errors } from '../errors.ts'
import { findKey } from '../keys/store.ts'
import { isTokenRevoked } from '../revocation/store.ts'
import { createOwnTokenVerifier } from '../tokens/own-token-verifier.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: 401 without a valid token of this gateway (for the admin audience, when one is set), 403 without keygate:admin. */
    requireAdmin: (request: FastifyRequest) => Promise<void>
    /** Verifies a token of this gateway, revocation included; throws KG_ERR_TOKEN_INVALID. */
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

function names (aud: string | string[], audience: string): boolean {
  return typeof aud === 'string' ? aud === audience : aud.includes(audience)
}

async function adminAuth (app: FastifyInstance, options: AdminAuthOptions): Promise<void> {
  const { adminAudience } = options
  const verify = createOwnTokenVerifier({ issuer: options.issuer, publishedKeys: () => app.signer.publishedKeys() })

  // The database's part of trusting a verified token: its key still usable, the token not revoked.
  async function checkStanding (claims: AccessTokenClaims): Promise<AccessTokenClaims> {
    const key = await findKey(app.db, claims.client_id)
    if (!key || key.revokedAt || key.disabledAt || (key.expiresAt && key.expiresAt <= new Date())) {
      throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'key not usable' })
    }
    if (await isTokenRevoked(app.db, { jti: claims.jti, clientId: claims.client_id, owner: claims.sub, issuedAt: claims.iat })) {
      throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'revoked' })
    }
    return claims
  }

  app.decorate('verifyOwnToken', async (token: string) => checkStanding(await verify(token)))
  app.decorateRequest('adminClaims', null)
  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    const token = bearerToken(request)
    if (!token) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'missing' })
    const claims = await verify(token)
    // A token minted for a downstream service is not one for the admin API, whatever its scope: the
    // service that received it could otherwise replay it here. Refused before any query.
    if (adminAudience !== undefined && !names(claims.aud, adminAudience)) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'audience' })
    await checkStanding(claims)
    if (!parseScope(claims.scope).includes(ADMIN_SCOPE)) throw new errors.KG_ERR_SCOPE_INSUFFICIENT(ADMIN_SCOPE)
    request.adminClaims = claims
  })
}

export default fp(adminAuth, { name: 'keygate-admin-auth', fastify: '5.x', dependencies: ['keygate-db', 'keygate-signer'] })
