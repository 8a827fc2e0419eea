// POST /oauth/token: RFC 6749 §4.4 client credentials; the API key as client_secret or Basic password.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Static, Type, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors, malformedClient } from '../errors.ts'
import { parseApiKey } from '../keys/format.ts'
import { credentialsOf } from './client-credentials.ts'
import { refuseAtOnce } from '../plugins/error-handler.ts'
import { exchangeApiKey } from '../tokens/exchange.ts'
import { oauthErrors } from './schemas.ts'

const TOKEN_BODY_LIMIT = 8 * 1024

const TokenRequest = Type.Object({
  grant_type: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ maxLength: 128 })),
  client_secret: Type.Optional(Type.String({ maxLength: 512 })),
  scope: Type.Optional(Type.String({ maxLength: 4096 })),
  audience: Type.Optional(Type.String({ maxLength: 512 }))
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
  rateLimitPerIp: number
  rateLimitPerKey: number
}

/** What a token request presents, known without any I/O. */
interface TokenGrant {
  clientId: string | undefined
  secret: string
  keyId: string
}

declare module 'fastify' {
  interface FastifyRequest {
    tokenGrant: TokenGrant | null
  }
}

type TokenBody = { grant_type?: string, client_id?: string, client_secret?: string } | undefined

/**
 * Everything about a token request that needs neither the database nor Argon2: the grant, the client
 * authentication, the shape of the key. Synchronous and without a throw, so that a request that cannot
 * succeed is refused without a promise, a Redis round trip or a query: under a flood of malformed keys
 * this is the whole cost. The refusal is returned as the error it maps to.
 */
function grantOf (authorization: string | undefined, body: TokenBody): TokenGrant | Error {
  if (body?.grant_type === undefined) return new errors.KG_ERR_REQUEST_INVALID('grant_type is required')
  if (body.grant_type !== 'client_credentials') return new errors.KG_ERR_GRANT_UNSUPPORTED()
  const credentials = credentialsOf(authorization, body)
  if (credentials instanceof Error) return credentials
  const parts = parseApiKey(credentials.secret)
  if (!parts) return malformedClient
  return { clientId: credentials.clientId, secret: credentials.secret, keyId: parts.keyId }
}

const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (app, options) => {
  app.decorateRequest('tokenGrant', null)
  const perAddress = app.limitBy('token-ip', options.rateLimitPerIp, (request) => request.ip)
  const perKey = app.limitBy('token-key', options.rateLimitPerKey, (request) => request.tokenGrant?.keyId ?? request.ip)
  // The exchange itself, once the grant is known and both limits allowed it.
  const exchange = async (request: FastifyRequest, reply: FastifyReply, { clientId, secret }: TokenGrant, body: Static<typeof TokenRequest> = {}): Promise<Static<typeof TokenResponse>> => {
    const { response, key, minted } = await exchangeApiKey({
      keys: app.keys,
      minter: app.signer.minter,
      defaultAudience: options.defaultAudience,
      ttlSeconds: options.tokenTtlSeconds
    }, { apiKey: secret, clientId, scope: body.scope, audience: body.audience, clientIp: request.ip })
    app.lastUsed.touch(key.keyId)
    request.log.info({ keyId: key.keyId, owner: key.owner, scope: response.scope, jti: minted.claims.jti }, 'token issued')
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
    return response
  }
  // Not async, and no hook: a request that cannot succeed (another grant, a malformed key) is refused at
  // once, straight through Node's response (refuseAtOnce), before both limits: its refusal costs less than
  // counting it. Both limits run before any database or Argon2 work.
  app.post('/oauth/token', {
    bodyLimit: TOKEN_BODY_LIMIT,
    // TypeBox's compiled check, not Ajv: a string within its bound costs one comparison of its length, where
    // Ajv counts the code points of every field (3.7 k of the 115 k instructions a malformed key's refusal took).
    validatorCompiler: TypeBoxValidatorCompiler,
    schema: {
      summary: 'Exchange an API key for an access token (client credentials)',
      tags: ['oauth'],
      body: TokenRequest,
      response: { 200: TokenResponse, ...oauthErrors(400, 401, 413, 429, 503) }
    }
  }, (request, reply) => {
    const grant = grantOf(request.headers.authorization, request.body)
    if (grant instanceof Error) {
      refuseAtOnce(grant, request, reply)
      return
    }
    request.tokenGrant = grant
    return perAddress(request).then(() => perKey(request)).then(() => exchange(request, reply, grant, request.body))
  })
}

export default tokenRoutes
