// panva's oidc-provider as the exchange peer: client_credentials with JWT access tokens (resource
// indicators), one client with a client_secret, its in-memory adapter, EdDSA like keygate's default.
import { generateKeyPairSync } from 'node:crypto'
import Provider from 'oidc-provider'

const issuer = process.env.OIDC_ISSUER ?? 'http://127.0.0.1'
const signing = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID ?? 'bench',
    client_secret: process.env.OIDC_CLIENT_SECRET ?? 'bench-secret',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'EdDSA',
    scope: 'orders:read'
  }],
  scopes: ['orders:read'],
  jwks: { keys: [{ ...signing, alg: 'EdDSA', use: 'sig', kid: 'bench' }] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:keygate',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'orders:read', audience: 'keygate', accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'EdDSA' } } })
    }
  }
})
const server = provider.listen(Number(process.env.PORT ?? 0), '127.0.0.1')
process.on('SIGTERM', () => { server.close(() => process.exit(0)) })
