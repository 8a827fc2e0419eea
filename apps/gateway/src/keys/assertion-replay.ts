// Single use of an assertion's jti, shared by every replica until the assertion can no longer be accepted:
// one row per jti in Postgres, the store every replica shares and that holds what it acknowledged. (Redis
// would be a second store to keep in step: a jti it took and then lost in a failover, or took while another
// replica could not reach it, would be accepted again.)
//
// The jtis presented while an insert is in flight wait for it and go in the next one, together: one round
// trip and one commit for a batch instead of one per exchange (the commit's WAL flush is most of what a
// keypair exchange costs Postgres). A jti is acknowledged only once its batch has committed; a batch that
// fails refuses every use in it (the pool's query timeout bounds one that hangs).
import { errors } from '../errors.ts'
import type { Queryable } from '../db/transaction.ts'

export interface ReplayGuard {
  /** True the first time (keyId, jti) is presented before `expiresAtMs`; false for every replay. */
  firstUse (keyId: string, jti: string, expiresAtMs: number): Promise<boolean>
}

export interface ReplayGuardOptions {
  /** Where a failed clean-up of expired rows is told (it fails no exchange). */
  onPruneError: (err: unknown) => void
}

// One expired row in about this many inserts is cleared beside them: the table stays the size of a few minutes.
const PRUNE_EVERY = 256
// Longest batch: the arrays stay a few tens of kilobytes.
const MAX_BATCH = 500
// Uses waiting beyond this are refused at once (503): Postgres is not keeping up.
const MAX_WAITING = 10 * MAX_BATCH
const DEADLOCK = '40P01'

interface Use {
  keyId: string
  jti: string
  expiresAtMs: number
  answer: (first: boolean) => void
  fail: (err: unknown) => void
}

// A row of an assertion that can no longer be accepted is taken over; a live one is a replay. The rows
// returned are the uses that were first. Rows are taken in (keyId, jti) order, the same at every replica,
// so that two batches naming the same jtis wait for each other rather than deadlock.
const INSERT = `INSERT INTO client_assertion_jtis (key_id, jti, expires_at)
  SELECT u.key_id, u.jti, to_timestamp(u.expires_ms / 1000.0) FROM unnest($1::text[], $2::text[], $3::float8[]) WITH ORDINALITY AS u (key_id, jti, expires_ms, n)
  ORDER BY u.n
  ON CONFLICT (key_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE client_assertion_jtis.expires_at < now()
  RETURNING key_id AS "keyId", jti`

const pairOf = (use: { keyId: string, jti: string }): string => `${use.keyId}\n${use.jti}`

export function createReplayGuard (db: Queryable, options: ReplayGuardOptions): ReplayGuard {
  let inserts = 0
  const waiting: Use[] = []
  let flushing = false

  async function insertOnce (uses: Use[]): Promise<Set<string>> {
    const { rows } = await db.query<{ keyId: string, jti: string }>(INSERT, [uses.map((u) => u.keyId), uses.map((u) => u.jti), uses.map((u) => u.expiresAtMs)])
    return new Set(rows.map(pairOf))
  }

  async function insert (batch: Use[]): Promise<void> {
    // The same jti twice in one batch: the first is the use, the others replays (one INSERT may not
    // update a row twice).
    const distinct = new Map<string, Use>()
    for (const use of batch) {
      const pair = pairOf(use)
      if (distinct.has(pair)) use.answer(false)
      else distinct.set(pair, use)
    }
    const uses = [...distinct.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, use]) => use)
    const before = inserts
    inserts += uses.length
    if (Math.floor(before / PRUNE_EVERY) !== Math.floor(inserts / PRUNE_EVERY)) {
      db.query('DELETE FROM client_assertion_jtis WHERE expires_at < now()').catch(options.onPruneError)
    }
    try {
      // A clean-up deleting rows a batch takes over can still deadlock with it: once more, then refuse.
      const first = await insertOnce(uses).catch(async (err: unknown) => {
        if ((err as { code?: string }).code !== DEADLOCK) throw err
        return insertOnce(uses)
      })
      for (const use of uses) use.answer(first.has(pairOf(use)))
    } catch (err) {
      for (const use of uses) use.fail(err)
    }
  }

  // One insert in flight; whatever waits meanwhile is the next batch. (insert answers every use it is
  // given; either way, the next batch goes.)
  function flush (): void {
    const batch = waiting.splice(0, MAX_BATCH)
    flushing = batch.length > 0
    if (flushing) insert(batch).then(flush, flush)
  }

  return {
    firstUse (keyId, jti, expiresAtMs) {
      if (waiting.length >= MAX_WAITING) return Promise.reject(new errors.KG_ERR_OVERLOADED())
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ keyId, jti, expiresAtMs, answer: resolve, fail: reject })
        if (!flushing) flush()
      })
    }
  }
}
