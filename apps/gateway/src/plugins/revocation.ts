// Revocation fan-out: with REDIS_URL, the relay to Redis and propagation reports; without, nothing leaves
// the process (the gateway's own checks read Postgres) and expired revocations are pruned here.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { revocationKeys } from '@keygate/protocol'
import { type PropagationReporter, createPropagationReporter } from '../revocation/propagation.ts'
import { type RevocationRelay, startRevocationRelay } from '../revocation/relay.ts'
import { pruneRevocations } from '../revocation/store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when REDIS_URL is set. */
    revocationFanout: { redis: Redis, relay: RevocationRelay, propagation: PropagationReporter } | null
  }
}

export interface RevocationPluginOptions {
  redisUrl: string | undefined
  redisPrefix: string
  relayPollMs?: number
}

async function revocationPlugin (app: FastifyInstance, options: RevocationPluginOptions): Promise<void> {
  if (options.redisUrl === undefined) {
    app.decorate('revocationFanout', null)
    const timer = setInterval(() => {
      pruneRevocations(app.db).catch((err: unknown) => app.log.warn({ err }, 'pruning revocations failed'))
    }, 60_000)
    timer.unref()
    app.addHook('onClose', async () => clearInterval(timer))
    return
  }
  // Fail fast during an outage instead of queueing: the outbox keeps what could not be sent.
  const redis = new Redis(options.redisUrl, {
    commandTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000)
  })
  redis.on('error', (err) => app.log.debug({ err }, 'redis connection error'))
  const keys = revocationKeys(options.redisPrefix)
  const relay = startRevocationRelay({ pool: app.db, redis, keys, log: app.log, ...(options.relayPollMs ? { pollIntervalMs: options.relayPollMs } : {}) })
  app.decorate('revocationFanout', { redis, relay, propagation: createPropagationReporter(app.db, redis, keys) })
  app.addHook('onClose', async () => {
    await relay.stop()
    redis.disconnect()
  })
}

export default fp(revocationPlugin, { name: 'keygate-revocation', fastify: '5.x', dependencies: ['keygate-db'] })
