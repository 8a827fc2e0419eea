// The key rows that exchanges read, kept in this replica while Postgres tells it of every change to them:
// triggers on api_keys and key_public_keys raise NOTIFY keygate_key with the keyId (migrations 005 and
// 006), this replica's own changes forget their row before they are answered, and rows are kept only
// while the notification connection is up. A read in flight when any change is heard is used once and
// not kept, so a row read before a change can never outlive the change's notification. No row is kept
// longer than `maxAgeMs`.
//
// What this costs the revocation guarantees (docs/architecture.md): nothing. A replica that has not yet
// heard of a revoke, a disable or a narrowing mints with the generation it read, which the change voids.
// Changes that void no token (an allowlist, an expiry, a rotation to a new public key) reach it with the
// NOTIFY; the end of a grace period, which no row change marks, is applied at use by the clock
// (store.ts acceptedPublicKeys, and the key's expiresAt).
import type { StoredApiKey } from './store.ts'

/** The channel the key triggers notify, with the changed key's keyId as payload. */
export const KEY_CHANGE_CHANNEL = 'keygate_key'
/** The payload for a change to every key (a TRUNCATE): no keyId is `*`. */
export const EVERY_KEY = '*'

export interface KeyRowCache {
  /** The key's row, from this replica when kept and fresh, from `read` otherwise. */
  read (keyId: string): Promise<StoredApiKey | undefined>
  /** A change to one key was committed (a notification, or this replica's own change); EVERY_KEY: to all. */
  forget (keyId: string): void
  /**
   * Whether changes are heard now. False (the connection was lost) forgets every row and keeps none; true
   * (after a connect, when whatever was notified meanwhile is lost) forgets every row and keeps them again.
   */
  setHearing (on: boolean): void
  /** True while changes are heard, and rows kept. */
  readonly hearing: boolean
  readonly size: number
}

export interface KeyRowCacheOptions {
  read: (keyId: string) => Promise<StoredApiKey | undefined>
  maxAgeMs: number
  maxEntries: number
  now?: () => number
}

interface Kept { row: StoredApiKey, until: number }

export function createKeyRowCache (options: KeyRowCacheOptions): KeyRowCache {
  const now = options.now ?? Date.now
  const kept = new Map<string, Kept>()
  let heard = false
  // Raised by every change heard: a read that saw it rise keeps nothing.
  let changes = 0

  function forgetAll (): void {
    changes++
    kept.clear()
  }

  return {
    get size () { return kept.size },
    get hearing () { return heard },
    async read (keyId) {
      const entry = kept.get(keyId)
      if (entry !== undefined && entry.until > now()) return entry.row
      const before = changes
      // Aged from before the read: its snapshot may be as old as the moment the query was sent.
      const started = now()
      const row = await options.read(keyId)
      if (row === undefined || !heard || changes !== before || options.maxAgeMs <= 0) return row
      kept.delete(keyId)
      if (kept.size >= options.maxEntries) kept.delete(kept.keys().next().value as string)
      kept.set(keyId, { row, until: started + options.maxAgeMs })
      return row
    },
    forget (keyId) {
      if (keyId === EVERY_KEY) return forgetAll()
      changes++
      kept.delete(keyId)
    },
    setHearing (on) {
      heard = on
      forgetAll()
    }
  }
}
