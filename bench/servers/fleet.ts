// Many verifiers in one process, for the fan-out figures: FLEET_SIZE instances of @keygate/verifier, each
// with its own Redis connections and instance id, as that many services would hold them.
import Fastify from 'fastify'
import keygateVerifier from '@keygate/verifier'

const size = Number(process.env.FLEET_SIZE ?? 1)
const fleet = await Promise.all(Array.from({ length: size }, async (_, i) => {
  const app = Fastify({ logger: false })
  await app.register(keygateVerifier, {
    issuer: process.env.KEYGATE_ISSUER ?? 'http://keygate.bench',
    audience: 'keygate',
    jwksUrl: process.env.KEYGATE_JWKS_URL ?? '',
    redis: process.env.REDIS_URL ?? '',
    redisPrefix: process.env.KEYGATE_REDIS_PREFIX ?? 'keygate:',
    instanceId: `fleet-${process.pid}-${i}`
  })
  await app.ready()
  return app
}))
const front = Fastify({ logger: false })
front.get('/healthz', async () => ({ status: 'ok', size: fleet.length }))
process.on('SIGTERM', () => {
  Promise.all([front.close(), ...fleet.map((app) => app.close())]).then(() => process.exit(0), () => process.exit(1))
})
await front.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
