// Wires the key services: the Argon2 hasher behind a bounded work limiter, admin mutations, last-used batching.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { MAX_TOKEN_TTL_SECONDS } from '@keygate/protocol'
import { createKeyAdmin } from '../keys/admin.ts'
import { createArgon2Hasher, type Argon2Params, type SecretHasher } from '../keys/hashing.ts'
import { createLastUsedTracker } from '../keys/last-used.ts'
import { createKeyService } from '../keys/service.ts'
import { createVerifiedCache } from '../keys/verified-cache.ts'
import { createWorkLimiter } from '../keys/work-limiter.ts'
import { CLOCK_TOLERANCE_SECONDS } from '../tokens/own-token-verifier.ts'

export interface KeysPluginOptions {
  keyPrefix: string
  argon2: Argon2Params
  maxConcurrentHashes: number
  hasher?: SecretHasher | undefined
  lastUsedFlushMs?: number
  /** How long a verified key skips Argon2 when presented again; 0 turns it off. */
  exchangeCacheSeconds: number
}

async function keysPlugin (app: FastifyInstance, options: KeysPluginOptions): Promise<void> {
  // A short queue: a flood waits briefly or is told to retry, and never piles up in memory.
  const limiter = createWorkLimiter(options.maxConcurrentHashes, options.maxConcurrentHashes * 16)
  const verified = createVerifiedCache(options.exchangeCacheSeconds * 1000, 10_000)
  const keys = createKeyService({
    db: app.db,
    hasher: options.hasher ?? createArgon2Hasher(options.argon2),
    limiter,
    verified,
    keyPrefix: options.keyPrefix,
    onBackgroundError: (err) => app.log.error({ err }, 'background key update failed')
  })
  const lastUsed = createLastUsedTracker(app.db)
  const flush = (): Promise<void> => lastUsed.flush().catch((err: unknown) => app.log.warn({ err }, 'lastUsedAt flush failed'))
  const timer = setInterval(flush, options.lastUsedFlushMs ?? 60_000)
  timer.unref()
  // onClose hooks run in reverse order of registration: this flush runs before the pool closes.
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await flush()
  })

  app.decorate('hashLimiter', limiter)
  app.decorate('keys', keys)
  app.decorate('lastUsed', lastUsed)
  app.decorate('keyAdmin', createKeyAdmin({
    db: app.db,
    keys,
    revocationLifetimeSeconds: MAX_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
    onKeyChanged: (keyId) => verified.forget(keyId)
  }))
}

export default fp(keysPlugin, { name: 'keygate-keys', fastify: '5.x', dependencies: ['keygate-db'] })
