// GET /metrics: Prometheus text. Request latency by route, exchanges by outcome, Argon2 load, outbox backlog.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

async function metricsPlugin (app: FastifyInstance): Promise<void> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'keygate_' })
  const duration = new Histogram({
    name: 'keygate_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })
  const exchanges = new Counter({
    name: 'keygate_token_exchanges_total',
    help: 'Token requests by HTTP status',
    labelNames: ['status'],
    registers: [registry]
  })
  const gauges: Array<[string, string, () => number | Promise<number>]> = [
    ['keygate_argon2_active', 'Argon2 hashes running', () => app.hashLimiter.active],
    ['keygate_argon2_queued', 'Argon2 hashes waiting for a slot', () => app.hashLimiter.queued],
    ['keygate_revocation_relay_leader', '1 when this replica relays revocations to Redis', () => app.revocationFanout?.relay.leader ? 1 : 0],
    ['keygate_revocation_outbox_pending', 'Revocations committed but not yet published to Redis', async () => {
      const { rows } = await app.db.query<{ n: string }>('SELECT count(*) AS n FROM revocation_outbox WHERE published_at IS NULL')
      return Number(rows[0]?.n ?? 0)
    }]
  ]
  for (const [name, help, read] of gauges) {
    // eslint-disable-next-line no-new -- registered by its constructor
    new Gauge({ name, help, registers: [registry], async collect () { this.set(await read()) } })
  }

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const status = String(reply.statusCode)
    duration.observe({ method: request.method, route, status }, reply.elapsedTime / 1000)
    if (route === '/oauth/token') exchanges.inc({ status })
  })

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'] } }, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}

export default fp(metricsPlugin, { name: 'keygate-metrics', fastify: '5.x', dependencies: ['keygate-db', 'keygate-keys', 'keygate-revocation'] })
