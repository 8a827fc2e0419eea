// Revocations that outstanding tokens must honour, each with its outbox row, written in the caller's transaction.
import type { Queryable } from '../db/transaction.ts'

export type RevocationKind = 'key' | 'token' | 'owner'

/** Postgres NOTIFY channel raised by every new revocation. */
export const REVOCATION_CHANNEL = 'keygate_revocation'

/**
 * Records that tokens of `subject` issued before now are void. `lifetimeSeconds` bounds how long
 * such a token can still live (the longest token TTL plus clock tolerance): the entry is useless after.
 */
export async function recordRevocation (db: Queryable, kind: RevocationKind, subject: string, lifetimeSeconds: number): Promise<{ id: string, seq: string }> {
  // Delivered at commit: wakes the relay, which also polls in case a notification is missed.
  await db.query(`SELECT pg_notify('${REVOCATION_CHANNEL}', '')`)
  const { rows } = await db.query<{ id: string, seq: string }>(
    `WITH r AS (
       INSERT INTO revocations (kind, subject, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3::double precision))
       RETURNING id
     )
     INSERT INTO revocation_outbox (revocation_id) SELECT id FROM r RETURNING revocation_id::text AS id, seq::text AS seq`,
    [kind, subject, lifetimeSeconds])
  return rows[0] as { id: string, seq: string }
}

/** Whether a token of this key/owner with this jti, issued at `issuedAt` (seconds), has been revoked. */
export async function isTokenRevoked (db: Queryable, token: { jti: string, clientId: string, owner: string, issuedAt: number }): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM revocations
     WHERE expires_at > now() AND (
       (kind = 'token' AND subject = $1) OR
       (kind = 'key' AND subject = $2 AND revoked_at >= to_timestamp($4)) OR
       (kind = 'owner' AND subject = $3 AND revoked_at >= to_timestamp($4)))
     LIMIT 1`,
    [token.jti, token.clientId, token.owner, token.issuedAt])
  return (rowCount ?? 0) > 0
}

export interface PendingRevocation {
  outboxSeq: string
  kind: RevocationKind
  subject: string
  revokedAt: Date
  expiresAt: Date
}

/** Unpublished revocations still worth publishing, oldest first. */
export async function pendingRevocations (db: Queryable, limit: number): Promise<PendingRevocation[]> {
  const { rows } = await db.query<PendingRevocation>(
    `SELECT o.seq::text AS "outboxSeq", r.kind, r.subject, r.revoked_at AS "revokedAt", r.expires_at AS "expiresAt"
     FROM revocation_outbox o JOIN revocations r ON r.id = o.revocation_id
     WHERE o.published_at IS NULL ORDER BY o.seq LIMIT $1`, [limit])
  return rows
}

/** Every revocation still in force, oldest first: what a rebuilt Redis must hold. */
export async function liveRevocations (db: Queryable): Promise<PendingRevocation[]> {
  const { rows } = await db.query<PendingRevocation>(
    `SELECT o.seq::text AS "outboxSeq", r.kind, r.subject, r.revoked_at AS "revokedAt", r.expires_at AS "expiresAt"
     FROM revocation_outbox o JOIN revocations r ON r.id = o.revocation_id
     WHERE r.expires_at > now() ORDER BY o.seq`)
  return rows
}

export async function markPublished (db: Queryable, outboxSeq: string, publishedSeq: number): Promise<void> {
  await db.query('UPDATE revocation_outbox SET published_at = now(), published_seq = $2 WHERE seq = $1', [outboxSeq, publishedSeq])
}

/** markPublished for many outbox rows at once: `[outboxSeq, publishedSeq]` pairs. */
export async function markAllPublished (db: Queryable, positions: Array<[string, number]>): Promise<void> {
  if (positions.length === 0) return
  await db.query(
    `UPDATE revocation_outbox o SET published_at = now(), published_seq = p.published_seq
     FROM unnest($1::bigint[], $2::bigint[]) AS p(seq, published_seq) WHERE o.seq = p.seq`,
    [positions.map(([outboxSeq]) => outboxSeq), positions.map(([, seq]) => seq)])
}

/** The stream position a revocation was published at, once it has been. */
export async function publishedSeqOf (db: Queryable, outboxSeq: string): Promise<number | undefined> {
  const { rows } = await db.query<{ s: string | null }>('SELECT published_seq::text AS s FROM revocation_outbox WHERE seq = $1', [outboxSeq])
  const s = rows[0]?.s
  return s === null || s === undefined ? undefined : Number(s)
}

/** Drops revocations no token can need any more (their outbox rows go with them). */
export async function pruneRevocations (db: Queryable): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM revocations WHERE expires_at < now()')
  return rowCount ?? 0
}
