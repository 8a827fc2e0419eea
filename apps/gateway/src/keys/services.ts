// The key services as the gateway and the CLI both use them: the Argon2 hasher behind a bounded work
// limiter, the exchange cache, authentication and admin mutations, wired once.
import type pg from 'pg'
import { type KeyAdmin, createKeyAdmin } from './admin.ts'
import type { FailedAttempts } from './failed-attempts.ts'
import { type Argon2Params, type SecretHasher, createArgon2Hasher } from './hashing.ts'
import { type KeyRowCache, createKeyRowCache } from './row-cache.ts'
import { type KeyService, type KeyServiceOptions, createKeyService } from './service.ts'
import { findKeyForVerification } from './store.ts'
import { createVerifiedCache } from './verified-cache.ts'
import { type WorkLimiter, createWorkLimiter } from './work-limiter.ts'

export interface KeyServicesOptions {
  db: pg.Pool
  keyPrefix: string
  argon2: Argon2Params
  maxConcurrentHashes: number
  /** How long a verified key skips Argon2 when presented again; 0 turns it off. */
  exchangeCacheSeconds: number
  /** How long a key row read by an exchange is kept while changes are heard (absent or 0: read every time). */
  keyRowCacheSeconds?: number | undefined
  hasher?: SecretHasher | undefined
  failedAttempts?: FailedAttempts | undefined
  assertions?: KeyServiceOptions['assertions']
  /** Failures of work done after a response (rehashing). */
  onBackgroundError: (err: unknown) => void
}

export interface KeyServices {
  limiter: WorkLimiter
  keys: KeyService
  keyAdmin: KeyAdmin
  /** Present when key rows are kept: told what changes (keys plugin, by NOTIFY). */
  rows?: KeyRowCache | undefined
}

export function createKeyServices (options: KeyServicesOptions): KeyServices {
  // A short queue: a flood waits briefly or is told to retry, and never piles up in memory.
  const limiter = createWorkLimiter(options.maxConcurrentHashes, options.maxConcurrentHashes * 16)
  const verified = createVerifiedCache(options.exchangeCacheSeconds * 1000, 10_000)
  const rowCacheMs = (options.keyRowCacheSeconds ?? 0) * 1000
  const rows = rowCacheMs > 0 ? createKeyRowCache({ read: (keyId) => findKeyForVerification(options.db, keyId), maxAgeMs: rowCacheMs, maxEntries: 10_000 }) : undefined
  const keys = createKeyService({
    db: options.db,
    hasher: options.hasher ?? createArgon2Hasher(options.argon2),
    limiter,
    verified,
    rows,
    failedAttempts: options.failedAttempts,
    assertions: options.assertions,
    keyPrefix: options.keyPrefix,
    onBackgroundError: options.onBackgroundError
  })
  const keyAdmin = createKeyAdmin({
    db: options.db,
    keys,
    onKeyChanged: (keyId) => {
      verified.forget(keyId)
      rows?.forget(keyId)
    }
  })
  return { limiter, keys, keyAdmin, rows }
}
