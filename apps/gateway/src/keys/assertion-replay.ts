// Single use of an assertion's jti, shared by every replica until the assertion can no longer be accepted:
// one row per jti in Postgres, the store every replica shares and that holds what it acknowledged. (Redis
// would be a second store to keep in step: a jti it took and then lost in a failover, or took while another
// replica could not reach it, would be accepted again.)
import type { Queryable } from '../db/transaction.ts'

export interface ReplayGuard {
  /** True the first time (keyId, jti) is presented before `expiresAtMs`; false for every replay. */
  firstUse (keyId: string, jti: string, expiresAtMs: number): Promise<boolean>
}

// One expired row in about this many inserts is cleared with it: the table stays the size of a few minutes.
const PRUNE_EVERY = 256

export function createReplayGuard (db: Queryable): ReplayGuard {
  let inserts = 0
  return {
    async firstUse (keyId, jti, expiresAtMs) {
      if (++inserts % PRUNE_EVERY === 0) await db.query('DELETE FROM client_assertion_jtis WHERE expires_at < now()')
      // A row of an assertion that can no longer be accepted is taken over; a live one is a replay.
      const { rowCount } = await db.query(
        `INSERT INTO client_assertion_jtis (key_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3 / 1000.0))
         ON CONFLICT (key_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE client_assertion_jtis.expires_at < now()`,
        [keyId, jti, expiresAtMs])
      return rowCount === 1
    }
  }
}
