// POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'
import { type AccessTokenClaims, tokenRevocationExpiry } from '@keygate/protocol'
import { appendAudit } from '../audit/store.ts'
import { withTransaction } from '../db/transaction.ts'
import { errors } from '../errors.ts'
import { recordRevocation } from '../revocation/store.ts'
import { isBearer } from '../http/bearer.ts'
import { omitEmptyParameters } from '../http/oauth-parameters.ts'
import { actorOf } from '../plugins/admin-auth.ts'
import { clientAuthenticationOf } from '../keys/client-credentials.ts'
import { OAUTH_ADDRESS_LIMIT } from '../plugins/limits.ts'
import { oauthErrors } from './schemas.ts'

const TokenBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ maxLength: 128 })),
  client_secret: Type.Optional(Type.String({ maxLength: 512 })),
  client_assertion_type: Type.Optional(Type.String({ maxLength: 128 })),
  client_assertion: Type.Optional(Type.String({ maxLength: 4096 }))
})

const Introspection = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  iss: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
  jti: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.Literal('Bearer'))
})

const oauthRevocationRoutes: FastifyPluginAsyncTypebox<{ rateLimitPerIp: number }> = async (app, options) => {
  // Both authenticate a key or a token: the same wall per address as the token endpoint, before either.
  const perAddress = app.limitBy(OAUTH_ADDRESS_LIMIT, options.rateLimitPerIp)
  app.addHook('onRequest', async (request) => perAddress(request, request.ip))

  async function claimsOrUndefined (token: string): Promise<AccessTokenClaims | undefined> {
    try {
      return await app.verifyOwnToken(token)
    } catch (err) {
      if ((err as { code?: string }).code === 'KG_ERR_TOKEN_INVALID') return undefined
      throw err
    }
  }

  app.post('/oauth/revoke', {
    bodyLimit: 16 * 1024,
    preValidation: omitEmptyParameters,
    schema: {
      summary: 'Revoke one access token (RFC 7009); by an admin token or by the key it was issued to (its secret or a signed assertion)',
      tags: ['oauth'],
      security: [{ adminBearer: [] }, { clientBasic: [] }],
      body: TokenBody,
      response: { 200: Type.Object({}), ...oauthErrors(400, 401, 403, 429, 503) }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    let clientKeyId: string | undefined
    if (isBearer(request.headers.authorization)) {
      await app.requireAdmin(request)
    } else {
      clientKeyId = (await app.authenticateClient(clientAuthenticationOf(request.headers.authorization, request.body), request.ip)).keyId
    }
    const claims = await claimsOrUndefined(request.body.token)
    // Unknown, expired or already revoked: nothing to do, and RFC 7009 §2.2 answers 200 all the same.
    if (!claims) return {}
    if (clientKeyId !== undefined && claims.client_id !== clientKeyId) throw new errors.KG_ERR_TOKEN_FOREIGN()
    const lifetimeSeconds = Math.max(0, tokenRevocationExpiry(claims.exp) - Math.floor(Date.now() / 1000))
    const actor = clientKeyId === undefined ? actorOf(request) : { ...actorOf(request), id: clientKeyId }
    const { seq } = await withTransaction(app.db, async (tx) => {
      const recorded = await recordRevocation(tx, { kind: 'token', subject: claims.jti, generation: 0, lifetimeSeconds })
      await appendAudit(tx, actor, 'token.revoke', claims.jti, { details: { clientId: claims.client_id } })
      return recorded
    })
    request.log.info({ jti: claims.jti, outboxSeq: seq }, 'token revoked')
    await app.revocationFanout?.relay.drain()
    return {}
  })

  app.post('/oauth/introspect', {
    bodyLimit: 16 * 1024,
    preValidation: omitEmptyParameters,
    schema: {
      summary: 'Introspect an access token (RFC 7662); admin only',
      tags: ['oauth'],
      security: [{ adminBearer: [] }],
      body: TokenBody,
      response: { 200: Introspection, ...oauthErrors(400, 401, 403, 429) }
    }
  }, async (request, reply) => {
    await app.requireAdmin(request)
    reply.header('cache-control', 'no-store')
    const claims = await claimsOrUndefined(request.body.token)
    if (!claims) return { active: false }
    return {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer' as const
    }
  })
}

export default oauthRevocationRoutes
