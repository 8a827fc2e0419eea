// Liveness (the process answers) and readiness (its backing services answer).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'

const READY_TIMEOUT_MS = 2_000

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('down')])))
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

  app.get('/readyz', { schema: { summary: 'Readiness: Postgres (and Redis when configured)', tags: ['health'], response: { 200: Health, 503: Health } } }, async (_request, reply) => {
    const postgres = await within(app.db.query('SELECT 1'), READY_TIMEOUT_MS).then(() => 'ok' as const, () => 'down' as const)
    const fanout = app.revocationFanout
    const checks: Record<string, 'ok' | 'down'> = { postgres }
    if (fanout) checks.redis = await within(fanout.redis.ping(), READY_TIMEOUT_MS).then(() => 'ok' as const, () => 'down' as const)
    const ok = Object.values(checks).every((c) => c === 'ok')
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks })
  })
}

export default healthRoutes
