// POST /oauth/token: RFC 6749 §4.4 client credentials; the API key as client_secret or Basic password.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'
import { MAX_AUDIENCE_LENGTH } from '@keygate/protocol'
import { errors } from '../errors.ts'
import { omitEmptyParameters } from '../http/oauth-parameters.ts'
import { clientAuthenticationOf } from '../keys/client-credentials.ts'
import { exchangeApiKey } from '../tokens/exchange.ts'
import { OAUTH_ADDRESS_LIMIT } from '../plugins/limits.ts'
import { oauthErrors } from './schemas.ts'

const TOKEN_BODY_LIMIT = 8 * 1024

const Audience = Type.String({ maxLength: MAX_AUDIENCE_LENGTH })
const Audiences = Type.Union([Audience, Type.Array(Audience, { maxItems: 16 })])
const listOf = (value: string | string[] | undefined): string[] => value === undefined ? [] : typeof value === 'string' ? [value] : value

const TokenRequest = Type.Object({
  grant_type: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ maxLength: 128 })),
  client_secret: Type.Optional(Type.String({ maxLength: 512 })),
  client_assertion_type: Type.Optional(Type.String({ maxLength: 128 })),
  client_assertion: Type.Optional(Type.String({ maxLength: 4096 })),
  scope: Type.Optional(Type.String({ maxLength: 4096 })),
  audience: Type.Optional(Audiences),
  // RFC 8707: the resource a token is for; keygate's audiences are names, taken as they are.
  resource: Type.Optional(Audiences)
})

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ examples: [300] }),
  scope: Type.String({ examples: ['orders:read orders:write'] })
})

export interface TokenRoutesOptions {
  defaultAudience: string
  tokenTtlSeconds: number
  /** Requests per minute per client address, shared with /oauth/revoke and /oauth/introspect. */
  rateLimitPerIp: number
}

const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (app, options) => {
  const perAddress = app.limitBy(OAUTH_ADDRESS_LIMIT, options.rateLimitPerIp)

  app.post('/oauth/token', {
    bodyLimit: TOKEN_BODY_LIMIT,
    preValidation: omitEmptyParameters,
    schema: {
      summary: 'Exchange an API key for an access token (client credentials)',
      tags: ['oauth'],
      body: TokenRequest,
      response: { 200: TokenResponse, ...oauthErrors(400, 401, 413, 429, 503) }
    }
  }, async (request, reply) => {
    const body = request.body
    if (body.grant_type === undefined) throw new errors.KG_ERR_REQUEST_INVALID('grant_type is required')
    if (body.grant_type !== 'client_credentials') throw new errors.KG_ERR_GRANT_UNSUPPORTED()
    // What needs no I/O first: a malformed key or assertion is refused before the limit, the database or
    // Argon2. The per-key limit counts failed Argon2 verifications only (keys/failed-attempts.ts).
    const authentication = clientAuthenticationOf(request.headers.authorization, body)
    perAddress(request, request.ip)
    const { response, key, minted } = await exchangeApiKey({
      minter: app.signer.minter,
      defaultAudience: options.defaultAudience,
      ttlSeconds: options.tokenTtlSeconds
    }, { authenticate: () => app.authenticateClient(authentication, request.ip), scope: body.scope, audiences: [...listOf(body.audience), ...listOf(body.resource)] })
    app.lastUsed.touch(key.keyId)
    request.log.info({ keyId: key.keyId, owner: key.owner, scope: response.scope, jti: minted.claims.jti }, 'token issued')
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
    return response
  })
}

export default tokenRoutes
