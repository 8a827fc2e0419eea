// A downstream service protected by @keygate/verifier: who am I, read orders, write orders.
import Fastify, { type FastifyInstance } from 'fastify'
import keygateVerifier from '@keygate/verifier'
import type { ExampleServiceConfig } from './config.ts'

export async function buildExampleService (config: Readonly<ExampleServiceConfig>, options: { logger?: boolean, verifier?: { maxRevocationStalenessMs?: number, instanceId?: string } } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? true })
  await app.register(keygateVerifier, {
    issuer: config.issuer,
    audience: config.audience,
    jwksUrl: config.jwksUrl,
    redisPrefix: config.redisPrefix,
    failOpen: config.failOpen,
    ...(config.redis ? { redis: config.redis } : {}),
    ...options.verifier
  })

  const orders: Array<{ id: number, item: string, by: string }> = []

  app.get('/whoami', { preHandler: app.authenticate }, async (request) => request.principal)
  app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async () => ({ orders }))
  app.post('/orders', { preHandler: app.requireScopes('orders:write') }, async (request, reply) => {
    const item = typeof (request.body as { item?: unknown } | undefined)?.item === 'string' ? (request.body as { item: string }).item.slice(0, 200) : 'thing'
    const order = { id: orders.length + 1, item, by: request.principal?.sub ?? 'unknown' }
    orders.push(order)
    return reply.code(201).send(order)
  })
  app.get('/healthz', async (_request, reply) => {
    const revocations = app.keygateRevocationStatus()
    const ok = revocations === undefined || revocations.state === 'current'
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', revocations: revocations ?? 'not configured (no REDIS_URL)' })
  })
  app.get('/metrics', async (_request, reply) => {
    reply.type(app.keygateMetrics.contentType)
    return app.keygateMetrics.metrics()
  })
  return app
}
