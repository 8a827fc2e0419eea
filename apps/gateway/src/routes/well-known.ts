// Discovery: the JWKS (RFC 7517) and the authorization server metadata (RFC 8414).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'
import { JWKS_MAX_AGE_SECONDS } from '@keygate/protocol'

const Jwk = Type.Object({
  kty: Type.String(),
  crv: Type.String(),
  x: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.Literal('sig')
})

const wellKnownRoutes: FastifyPluginAsyncTypebox<{ issuer: string }> = async (app, { issuer }) => {
  app.get('/.well-known/jwks.json', {
    schema: { summary: 'Public signing keys', tags: ['discovery'], response: { 200: Type.Object({ keys: Type.Array(Jwk) }) } }
  }, async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
    return { keys: await app.signer.publishedKeys() }
  })

  const metadata = {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['bearer']
  }
  app.get('/.well-known/oauth-authorization-server', {
    schema: { summary: 'Authorization server metadata (RFC 8414)', tags: ['discovery'] }
  }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=3600')
    return metadata
  })
}

export default wellKnownRoutes
