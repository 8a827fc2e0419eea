// A downstream service for the benchmarks: the same handler unprotected (/hello) and protected (/protected).
import Fastify from 'fastify'
import keygateVerifier from '@keygate/verifier'

const app = Fastify({ logger: false })
await app.register(keygateVerifier, {
  issuer: process.env.KEYGATE_ISSUER ?? 'http://keygate.bench',
  audience: 'keygate',
  jwksUrl: process.env.KEYGATE_JWKS_URL ?? '',
  ...(process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : {}),
  redisPrefix: process.env.KEYGATE_REDIS_PREFIX ?? 'keygate:'
})
const hello = { hello: 'world' }
app.get('/healthz', async () => ({ status: 'ok', revocations: app.keygateRevocationStatus() ?? null }))
app.get('/hello', async () => hello)
// Memory figures after a full collection (the bench starts this server with --expose-gc).
app.get('/memory', async () => {
  (globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage()
})
app.get('/protected', { preHandler: app.authenticate }, async () => hello)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
