// The verifiers users would pick instead of @keygate/verifier, on the same Fastify and the same routes as
// servers/service.ts: PEER=jose (jwtVerify + createRemoteJWKSet), fastify-jwt (@fastify/jwt + get-jwks),
// fastify-jwt-cache (the same with fast-jwt's verification cache on).
import Fastify, { type FastifyRequest } from 'fastify'
import fastifyJwt from '@fastify/jwt'
import buildGetJwks from 'get-jwks'
import { createRemoteJWKSet, jwtVerify } from 'jose'

const peer = process.env.PEER ?? 'jose'
const issuer = process.env.KEYGATE_ISSUER ?? ''
const app = Fastify({ logger: false })
const hello = { hello: 'world' }
const unauthorized = { error: 'invalid_token' }

if (peer === 'jose') {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`))
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = request.headers.authorization?.slice(7) ?? ''
    await jwtVerify(token, jwks, { issuer, audience: 'keygate', algorithms: ['ES256'], typ: 'at+jwt' })
  })
} else {
  const getJwks = buildGetJwks({ providerDiscovery: false })
  await app.register(fastifyJwt, {
    decode: { complete: true },
    secret: async (_request: FastifyRequest, token: { header: { kid?: string, alg?: string } }) =>
      getJwks.getPublicKey({ kid: token.header.kid ?? '', alg: token.header.alg ?? '', domain: issuer }),
    verify: { allowedIss: issuer, allowedAud: 'keygate', algorithms: ['ES256'], ...(peer === 'fastify-jwt-cache' ? { cache: true } : {}) }
  } as Parameters<typeof fastifyJwt>[1])
  app.decorate('authenticate', async (request: FastifyRequest) => { await request.jwtVerify() })
}

const authenticate = (app as unknown as { authenticate: (request: FastifyRequest) => Promise<void> }).authenticate
app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/hello', async () => hello)
app.get('/protected', {
  preHandler: async (request, reply) => {
    try {
      await authenticate(request)
    } catch {
      return reply.code(401).send(unauthorized)
    }
  }
}, async () => hello)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
