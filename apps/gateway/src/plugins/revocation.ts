// Revocation fan-out: with REDIS_URL, the relay to Redis and propagation reports; without, nothing leaves
// the process (the gateway's own checks read Postgres) and expired revocations are pruned here.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { revocationKeys } from '@keygate/protocol'
import { type RedisClient, type RedisTopology, createRedisClient } from '@keygate/verifier'
import { type Propagation, type PropagationReporter, createPropagationReporter } from '../revocation/propagation.ts'
import { type RevocationRelay, startRevocationRelay } from '../revocation/relay.ts'
import { type VerifierFleet, listLiveVerifiers } from '../revocation/verifiers.ts'
import { pruneRevocations } from '../revocation/store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when REDIS_URL is set. */
    revocationFanout: { redis: RedisClient, relay: RevocationRelay, propagation: PropagationReporter, verifiers: () => Promise<VerifierFleet> } | null
    /**
     * How far a committed revocation has travelled (`{}` without Redis, or when Redis cannot tell now);
     * with `wait`, waits up to 5 s for every live verifier to apply it.
     */
    reportPropagation: (outboxSeq: string | undefined, wait: boolean) => Promise<{ propagated?: Propagation }>
  }
}

const PROPAGATION_WAIT_MS = 5_000

export interface RevocationPluginOptions {
  redis: RedisTopology | undefined
  redisPrefix: string
  relayPollMs?: number
}

async function revocationPlugin (app: FastifyInstance, options: RevocationPluginOptions): Promise<void> {
  app.decorate('reportPropagation', async (outboxSeq: string | undefined, wait: boolean) => {
    const fanout = app.revocationFanout
    if (!fanout || outboxSeq === undefined) return {}
    // The relay publishes on NOTIFY; drain here too so that the report is not a poll interval late.
    await fanout.relay.drain()
    try {
      return { propagated: await fanout.propagation(outboxSeq, wait ? PROPAGATION_WAIT_MS : 0) }
    } catch (err) {
      // Redis is down: the revocation is committed and the relay will deliver it; there is just no report.
      app.log.warn({ err }, 'propagation report unavailable')
      return {}
    }
  })
  if (options.redis === undefined) {
    app.decorate('revocationFanout', null)
    const timer = setInterval(() => {
      pruneRevocations(app.db).catch((err: unknown) => app.log.warn({ err }, 'pruning revocations failed'))
    }, 60_000)
    timer.unref()
    app.addHook('onClose', async () => clearInterval(timer))
    return
  }
  // Fail fast during an outage instead of queueing: the outbox keeps what could not be sent.
  const redis = createRedisClient(options.redis, {
    commandTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000)
  })
  redis.on('error', (err) => app.log.debug({ err }, 'redis connection error'))
  const keys = revocationKeys(options.redisPrefix)
  const relay = startRevocationRelay({ pool: app.db, redis, keys, log: app.log, ...(options.relayPollMs ? { pollIntervalMs: options.relayPollMs } : {}) })
  app.decorate('revocationFanout', { redis, relay, propagation: createPropagationReporter(app.db, redis, keys), verifiers: () => listLiveVerifiers(redis, keys) })
  app.addHook('onClose', async () => {
    await relay.stop()
    redis.disconnect()
  })
}

export default fp(revocationPlugin, { name: 'keygate-revocation', fastify: '5.x', dependencies: ['keygate-db'] })
