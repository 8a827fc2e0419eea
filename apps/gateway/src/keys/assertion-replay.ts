// Single use of an assertion's jti, shared by every replica until the assertion can no longer be accepted.
// Postgres holds every jti, whatever Redis does: a jti taken while Redis answered is still refused while it
// does not, or after it lost writes. Redis, when configured, refuses a replay first, without the write.
import type { RedisClient } from '@keygate/verifier'
import type { Queryable } from '../db/transaction.ts'

export interface ReplayGuard {
  /** True the first time (keyId, jti) is presented before `expiresAtMs`; false for every replay. */
  firstUse (keyId: string, jti: string, expiresAtMs: number): Promise<boolean>
}

export interface ReplayGuardOptions {
  db: Queryable
  redis?: RedisClient | undefined
  prefix: string
  /** Told when Redis could not answer (Postgres decides alone). */
  onRedisError?: (err: unknown) => void
}

// One expired row in about this many inserts is cleared with it: the table stays the size of five minutes.
const PRUNE_EVERY = 256

export function createReplayGuard ({ db, redis, prefix, onRedisError }: ReplayGuardOptions): ReplayGuard {
  let inserts = 0

  async function inPostgres (keyId: string, jti: string, expiresAtMs: number): Promise<boolean> {
    if (++inserts % PRUNE_EVERY === 0) await db.query('DELETE FROM client_assertion_jtis WHERE expires_at < now()')
    const { rowCount } = await db.query(
      `INSERT INTO client_assertion_jtis (key_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3 / 1000.0))
       ON CONFLICT (key_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE client_assertion_jtis.expires_at < now()`,
      [keyId, jti, expiresAtMs])
    return rowCount === 1
  }

  return {
    async firstUse (keyId, jti, expiresAtMs) {
      if (redis !== undefined && redis.status === 'ready') {
        try {
          const set = await redis.set(`${prefix}assertion:${keyId}:${jti}`, '1', 'PXAT', Math.ceil(expiresAtMs), 'NX')
          if (set !== 'OK') return false
        } catch (err) {
          onRedisError?.(err)
        }
      }
      return inPostgres(keyId, jti, expiresAtMs)
    }
  }
}
