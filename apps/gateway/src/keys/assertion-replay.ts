// Single use of an assertion's jti, shared by every replica until the assertion can no longer be accepted:
// one row per jti in Postgres, the store every replica shares and that holds what it acknowledged. (Redis
// would be a second store to keep in step: a jti it took and then lost in a failover, or took while another
// replica could not reach it, would be accepted again.)
//
// The jtis presented while an insert is in flight wait for it and go in the next one, together: one round
// trip and one commit for a batch instead of one per exchange (the commit's WAL flush is most of what a
// keypair exchange costs Postgres). A jti is acknowledged only once its batch has committed.
import type { Queryable } from '../db/transaction.ts'

export interface ReplayGuard {
  /** True the first time (keyId, jti) is presented before `expiresAtMs`; false for every replay. */
  firstUse (keyId: string, jti: string, expiresAtMs: number): Promise<boolean>
}

// One expired row in about this many inserts is cleared with them: the table stays the size of a few minutes.
const PRUNE_EVERY = 256
// Longest batch: the arrays stay a few tens of kilobytes.
const MAX_BATCH = 500

interface Use {
  keyId: string
  jti: string
  expiresAtMs: number
  answer: (first: boolean) => void
  fail: (err: unknown) => void
}

// A row of an assertion that can no longer be accepted is taken over; a live one is a replay. The rows
// returned are the uses that were first.
const INSERT = `INSERT INTO client_assertion_jtis (key_id, jti, expires_at)
  SELECT u.key_id, u.jti, to_timestamp(u.expires_ms / 1000.0) FROM unnest($1::text[], $2::text[], $3::float8[]) AS u (key_id, jti, expires_ms)
  ON CONFLICT (key_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE client_assertion_jtis.expires_at < now()
  RETURNING key_id AS "keyId", jti`

const pairOf = (keyId: string, jti: string): string => `${keyId}\n${jti}`

export function createReplayGuard (db: Queryable): ReplayGuard {
  let inserts = 0
  const waiting: Use[] = []
  let flushing = false

  async function insert (batch: Use[]): Promise<void> {
    // The same jti twice in one batch: the first is the use, the others replays (one INSERT may not
    // update a row twice).
    const distinct = new Map<string, Use>()
    for (const use of batch) {
      const pair = pairOf(use.keyId, use.jti)
      if (distinct.has(pair)) use.answer(false)
      else distinct.set(pair, use)
    }
    const uses = [...distinct.values()]
    try {
      const before = inserts
      inserts += uses.length
      if (Math.floor(before / PRUNE_EVERY) !== Math.floor(inserts / PRUNE_EVERY)) await db.query('DELETE FROM client_assertion_jtis WHERE expires_at < now()')
      const { rows } = await db.query<{ keyId: string, jti: string }>(INSERT, [uses.map((u) => u.keyId), uses.map((u) => u.jti), uses.map((u) => u.expiresAtMs)])
      const first = new Set(rows.map((r) => pairOf(r.keyId, r.jti)))
      for (const use of uses) use.answer(first.has(pairOf(use.keyId, use.jti)))
    } catch (err) {
      for (const use of uses) use.fail(err)
    }
  }

  // One insert in flight; whatever waits meanwhile is the next batch. (insert answers every use, and never throws.)
  function flush (): void {
    const batch = waiting.splice(0, MAX_BATCH)
    flushing = batch.length > 0
    if (flushing) insert(batch).then(flush, flush)
  }

  return {
    firstUse (keyId, jti, expiresAtMs) {
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ keyId, jti, expiresAtMs, answer: resolve, fail: reject })
        if (!flushing) flush()
      })
    }
  }
}
