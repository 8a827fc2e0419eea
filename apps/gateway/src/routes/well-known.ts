// Discovery: the JWKS (RFC 7517) and the authorization server metadata (RFC 8414).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'
import { JWKS_MAX_AGE_SECONDS, SIGNING_ALGORITHMS } from '@keygate/protocol'
import { ASSERTION_ALGORITHMS } from '../keys/client-assertion.ts'
import { oauthErrors } from './schemas.ts'

const Jwk = Type.Object({
  kty: Type.String({ examples: ['OKP', 'EC', 'RSA'] }),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
  n: Type.Optional(Type.String()),
  e: Type.Optional(Type.String()),
  kid: Type.String(),
  alg: Type.String({ examples: SIGNING_ALGORITHMS }),
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
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: Object.keys(ASSERTION_ALGORITHMS),
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    revocation_endpoint_auth_signing_alg_values_supported: Object.keys(ASSERTION_ALGORITHMS),
    introspection_endpoint_auth_methods_supported: ['bearer']
  }
  app.get('/.well-known/oauth-authorization-server', {
    schema: { summary: 'Authorization server metadata (RFC 8414)', tags: ['discovery'] }
  }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=3600')
    return metadata
  })

  // OpenID discovery would promise ID tokens, an authorization endpoint and subject types keygate does not
  // have: a 404 that says where the OAuth metadata is (openid-client: `algorithm: 'oauth2'`).
  app.get('/.well-known/openid-configuration', {
    schema: { summary: 'Not an OpenID provider: points to the RFC 8414 metadata', tags: ['discovery'], response: oauthErrors(404) }
  }, async (_request, reply) => {
    return reply.code(404).send({
      error: 'not_found',
      error_description: 'keygate is an OAuth 2.0 authorization server, not an OpenID provider: its metadata is at /.well-known/oauth-authorization-server (RFC 8414)'
    })
  })
}

export default wellKnownRoutes
