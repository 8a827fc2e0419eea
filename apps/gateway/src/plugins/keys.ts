// Wires the key services into the app, and batches lastUsedAt writes.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '@keygate/protocol'
import { createReplayGuard } from '../keys/assertion-replay.ts'
import type { ClientAuthentication } from '../keys/client-credentials.ts'
import { createFailedAttempts } from '../keys/failed-attempts.ts'
import type { Argon2Params, SecretHasher } from '../keys/hashing.ts'
import { createLastUsedTracker } from '../keys/last-used.ts'
import { KEY_CHANGE_CHANNEL } from '../keys/row-cache.ts'
import { listenForNotifications } from '../db/listener.ts'
import { createKeyServices } from '../keys/services.ts'

export interface KeysPluginOptions {
  keyPrefix: string
  argon2: Argon2Params
  maxConcurrentHashes: number
  hasher?: SecretHasher | undefined
  lastUsedFlushMs?: number
  exchangeCacheSeconds: number
  /** How long an exchange may use a key row read before, while changes are heard (0: off). */
  keyRowCacheSeconds: number
  /** Failed verifications per keyId per minute before that keyId gets 429 instead of Argon2. */
  failedAttemptsPerKey: number
  /** The gateway's issuer: the audience every client assertion must name. */
  issuer: string
}

async function keysPlugin (app: FastifyInstance, options: KeysPluginOptions): Promise<void> {
  const { failedAttemptsPerKey, issuer, ...rest } = options
  const replay = createReplayGuard(app.db, { onPruneError: (err) => { app.log.warn({ err }, 'clearing expired assertion jtis failed') } })
  const { limiter, keys, keyAdmin, rows } = createKeyServices({
    db: app.db,
    ...rest,
    failedAttempts: createFailedAttempts(app.limits.exact, failedAttemptsPerKey),
    assertions: { issuer, replay, toleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS },
    onBackgroundError: (err) => app.log.error({ err }, 'background key update failed')
  })
  // Key rows are kept only while this connection hears every change: each (re)connect starts them afresh.
  if (rows !== undefined) {
    const listener = listenForNotifications({
      pool: app.db,
      handlers: { [KEY_CHANGE_CHANNEL]: (keyId) => keyId === undefined ? rows.setHearing(true) : rows.forget(keyId) },
      onInterrupted: () => rows.setHearing(false),
      onError: (err) => app.log.warn({ err }, 'key change notifications interrupted; reading key rows every time until reconnected')
    })
    app.addHook('onClose', () => listener.stop())
  }
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
  app.decorate('keyRows', rows)
  app.decorate('authenticateClient', async (authentication: ClientAuthentication, clientIp: string) => authentication.method === 'secret'
    ? keys.authenticate(authentication.presented.key, { clientId: authentication.presented.clientId, clientIp })
    : keys.authenticateAssertion(authentication.assertion, { clientId: authentication.clientId, clientIp }))
}

export default fp(keysPlugin, { name: 'keygate-keys', fastify: '5.x', dependencies: ['keygate-db', 'keygate-limits'] })
