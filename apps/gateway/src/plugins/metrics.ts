// GET /metrics: Prometheus text. Request latency by route, exchanges by outcome, Argon2 load, outbox backlog.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { RequestCompletion } from '../request-logger.ts'
import { registerRequestHistogram } from './request-histogram.ts'

async function metricsPlugin (app: FastifyInstance, options: { completion: RequestCompletion }): Promise<void> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'keygate_' })
  const duration = registerRequestHistogram(registry, 'keygate_http_request_duration_seconds', 'HTTP request duration by route and status')
  // Plain numbers per request, labelled only when scraped.
  const exchanges = new Map<number, number>()
  registry.registerMetric(new Counter({
    name: 'keygate_token_exchanges_total',
    help: 'Token requests by HTTP status',
    labelNames: ['status'],
    registers: [],
    collect () {
      this.reset()
      for (const [status, n] of exchanges) this.inc({ status: String(status) }, n)
    }
  }))
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
    registry.registerMetric(new Gauge({ name, help, registers: [], async collect () { this.set(await read()) } }))
  }

  options.completion.observe((request, reply, seconds) => {
    const route = request.routeOptions.url ?? 'unmatched'
    duration.observe(request.method, route, reply.statusCode, seconds)
    if (route === '/oauth/token') exchanges.set(reply.statusCode, (exchanges.get(reply.statusCode) ?? 0) + 1)
  })

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'] } }, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}

export default fp(metricsPlugin, { name: 'keygate-metrics', fastify: '5.x', dependencies: ['keygate-db', 'keygate-keys', 'keygate-revocation'] })
