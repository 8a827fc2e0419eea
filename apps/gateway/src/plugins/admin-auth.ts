// Admin authentication by dogfooding: a Bearer token of this gateway in good standing whose scope, and
// whose key's current scopes, hold keygate:admin.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ADMIN_SCOPE, type AccessTokenClaims } from '@keygate/protocol'
import { type Actor, appendAudit } from '../audit/store.ts'
import { errors, isKeygateError } from '../errors.ts'
import { bearerToken, isBearer } from '../http/bearer.ts'
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

const REFUSALS_AUDITED_PER_MINUTE = 10

interface AdminAuthOptions {
  issuer: string
  /** When set, an admin token's `aud` must name it. */
  adminAudience?: string | undefined
}

async function adminAuth (app: FastifyInstance, options: AdminAuthOptions): Promise<void> {
  const tokens = createOwnTokens({ db: app.db, issuer: options.issuer, adminAudience: options.adminAudience, publishedKeys: () => app.signer.publishedKeys() })

  app.decorate('verifyOwnToken', async (token: string) => (await tokens.check(token)).claims)
  app.decorateRequest('adminClaims', null)
  // A refused attempt is audited, at most REFUSALS_AUDITED_PER_MINUTE per address: a flood of bad tokens
  // must not become a flood of writes.
  async function auditRefusal (request: FastifyRequest, err: unknown, keyId: string | undefined): Promise<void> {
    if (!isKeygateError(err) || !(await app.limits.exact.hit('audit-refusal', request.ip, REFUSALS_AUDITED_PER_MINUTE)).allowed) return
    const details = { status: err.statusCode, error: err.code, method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0], ...(keyId ? { keyId } : {}) }
    await appendAudit(app.db, actorOf(request), 'admin.refused', null, { details })
      .catch((auditErr: unknown) => request.log.warn({ err: auditErr }, 'could not audit a refused admin request'))
  }

  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    let keyId: string | undefined
    try {
      const header = request.headers.authorization
      if (!isBearer(header)) throw new errors.KG_ERR_TOKEN_MISSING()
      const token = bearerToken(header)
      if (token === undefined) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'not a Bearer token' })
      // A token minted for a downstream service is not one for the admin API, whatever its scope: the
      // service that received it could otherwise replay it here.
      const { claims, admin } = await tokens.check(token, { forAdmin: true })
      keyId = claims.client_id
      if (!admin) throw new errors.KG_ERR_SCOPE_INSUFFICIENT(ADMIN_SCOPE)
      request.adminClaims = claims
    } catch (err) {
      await auditRefusal(request, err, keyId)
      throw err
    }
  })
}

export default fp(adminAuth, { name: 'keygate-admin-auth', fastify: '5.x', dependencies: ['keygate-db', 'keygate-signer', 'keygate-limits'] })
