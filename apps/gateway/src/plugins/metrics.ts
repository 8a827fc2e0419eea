// GET /metrics: Prometheus text. Request latency by route, exchanges by outcome, Argon2 load, outbox backlog,
// rate limits counted locally. Every gauge is read from memory: a scrape costs no query. With a token
// configured, a scrape must present it (Bearer), compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { errors } from '../errors.ts'
import { bearerToken } from '../http/bearer.ts'

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

function scrapeGuard (token: string | undefined): (request: FastifyRequest) => Promise<void> {
  if (token === undefined) return async () => {}
  const expected = digest(token)
  return async (request) => {
    const presented = bearerToken(request.headers.authorization)
    if (presented === undefined) throw new errors.KG_ERR_TOKEN_MISSING()
    if (!timingSafeEqual(digest(presented), expected)) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'metrics token' })
  }
}

async function metricsPlugin (app: FastifyInstance, options: { token?: string | undefined }): Promise<void> {
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
  const gauges: Array<[string, string, () => number]> = [
    ['keygate_argon2_active', 'Argon2 hashes running', () => app.hashLimiter.active],
    ['keygate_argon2_queued', 'Argon2 hashes waiting for a slot', () => app.hashLimiter.queued],
    ['keygate_revocation_relay_leader', '1 when this replica relays revocations to Redis', () => app.revocationFanout?.relay.leader ? 1 : 0],
    ['keygate_revocation_outbox_pending', 'Revocations committed but not yet published to Redis, as the relay leader last counted them', () => app.revocationFanout?.relay.pending?.count ?? 0],
    ['keygate_revocation_outbox_oldest_seconds', 'How long the oldest unpublished revocation has waited, as the relay leader last counted (0: none waits)', () => app.revocationFanout?.relay.pending?.oldestSeconds ?? 0],
    ['keygate_rate_limits_local', '1 while rate limits are counted in this process because Redis cannot answer', () => app.limits.degraded ? 1 : 0],
    ['keygate_key_changes_heard', '1 while this replica hears every key change from Postgres and keeps key rows; 0: each exchange reads its key', () => app.keyRows?.hearing === true ? 1 : 0],
    ['keygate_key_rows_kept', 'Key rows kept for exchanges', () => app.keyRows?.size ?? 0]
  ]
  for (const [name, help, read] of gauges) {
    // eslint-disable-next-line no-new -- registered by its constructor
    new Gauge({ name, help, registers: [registry], collect () { this.set(read()) } })
  }

  // Counted by the relay; the counter catches up with it at each scrape.
  let publishErrorsSeen = 0
  // eslint-disable-next-line no-new -- registered by its constructor
  new Counter({
    name: 'keygate_revocation_publish_errors_total',
    help: 'Publications of revocations to Redis that failed (they wait in the outbox and are retried)',
    registers: [registry],
    collect () {
      const now = app.revocationFanout?.relay.publishErrors ?? 0
      if (now > publishErrorsSeen) this.inc(now - publishErrorsSeen)
      publishErrorsSeen = now
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const status = String(reply.statusCode)
    duration.observe({ method: request.method, route, status }, reply.elapsedTime / 1000)
    if (route === '/oauth/token') exchanges.inc({ status })
  })

  app.get('/metrics', {
    onRequest: scrapeGuard(options.token),
    schema: { summary: 'Prometheus metrics (Bearer KEYGATE_METRICS_TOKEN when set)', tags: ['health'] }
  }, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}

export default fp(metricsPlugin, { name: 'keygate-metrics', fastify: '5.x', dependencies: ['keygate-keys', 'keygate-revocation', 'keygate-limits'] })
