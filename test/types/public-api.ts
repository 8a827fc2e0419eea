// What users' TypeScript meets: checked by `tsc -p test/types` against the built declarations (dist/*.d.ts,
// the files a package install gets), and by the root typecheck against the sources. Type-level only.
import Fastify from 'fastify'
import { expectTypeOf } from 'vitest'
import keygateVerifier, { type KeygateVerifierOptions, type Principal, VerifierError, type VerifierErrorCode } from '@keygate/verifier'
import { TokenRequestError, TokenUnavailableError, createAuthenticatedFetch, createTokenProvider, type TokenProvider } from '@keygate/client'

const app = Fastify()
await app.register(keygateVerifier, { issuer: 'https://auth.example.com', audience: 'orders-api', redis: 'redis://127.0.0.1:6379' })
// @ts-expect-error the issuer is required
await app.register(keygateVerifier, { audience: 'orders-api' })
// @ts-expect-error an audience is a string or a list of them
await app.register(keygateVerifier, { issuer: 'https://auth.example.com', audience: 42 })
expectTypeOf<KeygateVerifierOptions['audience']>().toEqualTypeOf<string | string[]>()
expectTypeOf<KeygateVerifierOptions['failOpen']>().toEqualTypeOf<boolean | undefined>()

app.get('/orders', { preHandler: app.requireScopes('orders:read', 'orders:list') }, async (request) => {
  expectTypeOf(request.principal).toEqualTypeOf<Principal | null>()
  const principal = request.principal
  if (principal !== null) {
    expectTypeOf(principal.clientId).toBeString()
    expectTypeOf(principal.scopes).toEqualTypeOf<string[]>()
    expectTypeOf(principal.exp).toBeNumber()
  }
  return { ok: true }
})
expectTypeOf(app.requireScopes).parameters.toEqualTypeOf<string[]>()
// @ts-expect-error scopes are strings
app.requireScopes(1)

const err = new VerifierError('KG_VERIFIER_ERR_TOKEN_INVALID', 'bad')
expectTypeOf(err.code).toEqualTypeOf<VerifierErrorCode>()
expectTypeOf(err.statusCode).toBeNumber()

const tokens: TokenProvider = createTokenProvider({ issuer: 'https://auth.example.com', apiKey: 'kg_live_x' })
expectTypeOf(tokens.getToken).returns.resolves.toBeString()
// @ts-expect-error a key is required: an API key or a private key
createTokenProvider({ issuer: 'https://auth.example.com' })
createTokenProvider({ issuer: 'https://auth.example.com', privateKey: '-----BEGIN PRIVATE KEY-----', clientId: '4f8Ab2Kq9Zt1' })
// @ts-expect-error a private key needs the keyId as clientId
createTokenProvider({ issuer: 'https://auth.example.com', privateKey: '-----BEGIN PRIVATE KEY-----' })
// @ts-expect-error one credential, not both
createTokenProvider({ issuer: 'https://auth.example.com', apiKey: 'kg_live_x', privateKey: '-----BEGIN PRIVATE KEY-----', clientId: 'x' })
const api = createAuthenticatedFetch(tokens)
expectTypeOf(api).returns.resolves.toEqualTypeOf<Response>()

const refused = new TokenRequestError('invalid_client', 401, 'Client authentication failed')
expectTypeOf(refused.error).toBeString()
expectTypeOf(refused.status).toBeNumber()
expectTypeOf(refused.description).toEqualTypeOf<string | undefined>()
expectTypeOf(new TokenUnavailableError('down')).toMatchTypeOf<Error>()
