// Liveness (the process answers) and readiness: this replica can exchange keys (Postgres answers). What
// Redis takes away (revocation fan-out, shared rate limits) is reported as degraded, not as unready: a
// Redis outage would otherwise drain every replica from the balancer while exchanges still work.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'

const READY_TIMEOUT_MS = 2_000

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Object({
    postgres: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
    redis: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('down')])),
    relay: Type.Optional(Type.Union([Type.Literal('publishing'), Type.Literal('failing'), Type.Literal('standby')], { description: 'this replica\'s revocation relay: failing means revocations wait in the outbox' })),
    rateLimits: Type.Optional(Type.Union([Type.Literal('shared'), Type.Literal('local')], { description: 'local: counted per replica while Redis cannot answer' }))
  }))
})

async function within<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['health'], response: { 200: Health } } }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', { schema: { summary: 'Readiness: 200 while this replica can exchange keys (Postgres); Redis trouble is reported as degraded', tags: ['health'], response: { 200: Health, 503: Health } } }, async (_request, reply) => {
    const postgres = await within(app.db.query('SELECT 1'), READY_TIMEOUT_MS).then(() => 'ok' as const, () => 'down' as const)
    const fanout = app.revocationFanout
    if (postgres === 'down') return reply.code(503).send({ status: 'unavailable', checks: { postgres } })
    if (!fanout) return { status: 'ok' as const, checks: { postgres } }
    const redis = await within(fanout.redis.ping(), READY_TIMEOUT_MS).then(() => 'ok' as const, () => 'down' as const)
    const checks = { postgres, redis, relay: fanout.relay.state, rateLimits: app.limits.degraded ? 'local' as const : 'shared' as const }
    const degraded = redis === 'down' || checks.relay === 'failing' || checks.rateLimits === 'local'
    return { status: degraded ? 'degraded' as const : 'ok' as const, checks }
  })
}

export default healthRoutes
