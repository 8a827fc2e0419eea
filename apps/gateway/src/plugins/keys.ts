// Wires the key services into the app, and batches lastUsedAt writes.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createFailedAttempts } from '../keys/failed-attempts.ts'
import type { Argon2Params, SecretHasher } from '../keys/hashing.ts'
import { createLastUsedTracker } from '../keys/last-used.ts'
import { createKeyServices } from '../keys/services.ts'

export interface KeysPluginOptions {
  keyPrefix: string
  argon2: Argon2Params
  maxConcurrentHashes: number
  hasher?: SecretHasher | undefined
  lastUsedFlushMs?: number
  exchangeCacheSeconds: number
  /** Failed verifications per keyId per minute before that keyId gets 429 instead of Argon2. */
  failedAttemptsPerKey: number
}

async function keysPlugin (app: FastifyInstance, options: KeysPluginOptions): Promise<void> {
  const { failedAttemptsPerKey, ...rest } = options
  const { limiter, keys, keyAdmin } = createKeyServices({
    db: app.db,
    ...rest,
    failedAttempts: createFailedAttempts(app.limits, failedAttemptsPerKey),
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
  app.decorate('keyAdmin', keyAdmin)
}

export default fp(keysPlugin, { name: 'keygate-keys', fastify: '5.x', dependencies: ['keygate-db', 'keygate-limits'] })
