// lastUsedAt without a write per exchange: uses are noted in memory and written in one batch per interval.
import type { Queryable } from '../db/transaction.ts'

export interface LastUsedTracker {
  touch (keyId: string, at?: Date): void
  /** Writes what was noted since the last flush: one statement, at most one row update per key. */
  flush (): Promise<void>
  readonly pending: number
}

export function createLastUsedTracker (db: Queryable): LastUsedTracker {
  let noted = new Map<string, Date>()
  return {
    get pending () { return noted.size },
    touch (keyId, at = new Date()) {
      noted.set(keyId, at)
    },
    async flush () {
      if (noted.size === 0) return
      const batch = noted
      noted = new Map()
      await db.query(
        `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.at)
         FROM unnest($1::text[], $2::timestamptz[]) AS u(key_id, at) WHERE k.key_id = u.key_id`,
        [[...batch.keys()], [...batch.values()]])
    }
  }
}
