// Revocations that outstanding tokens must honour, each with its outbox row, written in the caller's transaction.
import type { RevocationKind } from '@keygate/protocol'
import type { Queryable } from '../db/transaction.ts'

/** Postgres NOTIFY channel raised by every new revocation. */
export const REVOCATION_CHANNEL = 'keygate_revocation'

export interface NewRevocation {
  kind: RevocationKind
  /** A keyId, a jti or a kid. */
  subject: string
  /** For `key`: the lowest key generation still valid (ALL_GENERATIONS for a final revoke); 0 otherwise. */
  generation: number
  /** How long a token it voids can still verify somewhere: the entry is useless after. */
  lifetimeSeconds: number
}

/** Records a revocation and its outbox row; the relay publishes it once the caller's transaction commits. */
export async function recordRevocation (db: Queryable, revocation: NewRevocation): Promise<{ id: string, seq: string }> {
  // The notification is delivered at commit: it wakes the relay, which also polls in case one is missed.
  const { rows } = await db.query<{ id: string, seq: string }>(
    `WITH r AS (
       INSERT INTO revocations (kind, subject, generation, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision))
       RETURNING id
     ), notified AS (SELECT pg_notify('${REVOCATION_CHANNEL}', ''))
     INSERT INTO revocation_outbox (revocation_id) SELECT id FROM r, notified RETURNING revocation_id::text AS id, seq::text AS seq`,
    [revocation.kind, revocation.subject, revocation.generation, revocation.lifetimeSeconds])
  return rows[0] as { id: string, seq: string }
}

/** Whether one token (by jti) has been revoked. */
export async function isJtiRevoked (db: Queryable, jti: string): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM revocations WHERE kind = 'token' AND subject = $1 AND expires_at > now() LIMIT 1", [jti])
  return (rowCount ?? 0) > 0
}

export interface PublishableRevocation {
  outboxSeq: string
  kind: RevocationKind
  subject: string
  generation: number
  expiresAt: Date
}

/**
 * Revocations still in force, oldest first: the unpublished ones (`pending`, at most `limit`) for the
 * relay, or all of them for a rebuilt Redis.
 */
export async function revocationsInForce (db: Queryable, which: { pending: true, limit: number } | { pending: false }): Promise<PublishableRevocation[]> {
  const { rows } = await db.query<Omit<PublishableRevocation, 'generation'> & { generation: string }>(
    `SELECT o.seq::text AS "outboxSeq", r.kind, r.subject, r.generation::text AS generation, r.expires_at AS "expiresAt"
     FROM revocation_outbox o JOIN revocations r ON r.id = o.revocation_id
     WHERE r.expires_at > now() AND ($1::boolean IS FALSE OR o.published_at IS NULL)
     ORDER BY o.seq LIMIT $2`, [which.pending, which.pending ? which.limit : null])
  return rows.map((r) => ({ ...r, generation: Number(r.generation) }))
}

/** Records where the relay published outbox rows: `[outboxSeq, publishedSeq]` pairs, in the stream of `epoch`. */
export async function markPublished (db: Queryable, epoch: string, positions: Array<[string, number]>): Promise<void> {
  if (positions.length === 0) return
  await db.query(
    `UPDATE revocation_outbox o SET published_at = now(), published_seq = p.published_seq, published_epoch = $3
     FROM unnest($1::bigint[], $2::bigint[]) AS p(seq, published_seq) WHERE o.seq = p.seq`,
    [positions.map(([outboxSeq]) => outboxSeq), positions.map(([, seq]) => seq), epoch])
}

/**
 * What the stream of `epoch` must hold, as Postgres recorded it: its last position and its entries live at
 * `atMs`; and the epoch last published to (undefined when no published row is left).
 */
export async function publishedIn (db: Queryable, epoch: string, atMs: number): Promise<{ lastSeq: number, live: number, latestEpoch: string | undefined }> {
  const { rows } = await db.query<{ last: string | null, live: string, latest: string | null }>(
    `SELECT max(o.published_seq)::text AS last, count(*) FILTER (WHERE r.expires_at > to_timestamp($2 / 1000.0))::text AS live,
       (SELECT published_epoch FROM revocation_outbox WHERE published_epoch IS NOT NULL ORDER BY published_at DESC LIMIT 1) AS latest
     FROM revocation_outbox o JOIN revocations r ON r.id = o.revocation_id WHERE o.published_epoch = $1`, [epoch, atMs])
  return { lastSeq: Number(rows[0]?.last ?? 0), live: Number(rows[0]?.live ?? 0), latestEpoch: rows[0]?.latest ?? undefined }
}

/** The stream position a revocation was published at, once it has been. */
/** Where the relay published an outbox row: its stream position and the epoch of that stream (undefined: not yet). */
export async function publishedPositionOf (db: Queryable, outboxSeq: string): Promise<{ seq: number, epoch: string | null } | undefined> {
  const { rows } = await db.query<{ s: string | null, e: string | null }>('SELECT published_seq::text AS s, published_epoch AS e FROM revocation_outbox WHERE seq = $1', [outboxSeq])
  const row = rows[0]
  return row?.s === null || row?.s === undefined ? undefined : { seq: Number(row.s), epoch: row.e }
}

/** Drops revocations no token can need any more (their outbox rows go with them). */
export async function pruneRevocations (db: Queryable): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM revocations WHERE expires_at < now()')
  return rowCount ?? 0
}

/** How many committed revocations the relay has not published yet, and how long the oldest has waited (s). */
export async function countPending (db: Queryable): Promise<{ count: number, oldestSeconds: number }> {
  const { rows } = await db.query<{ n: string, age: string | null }>(
    'SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::text AS age FROM revocation_outbox WHERE published_at IS NULL')
  return { count: Number(rows[0]?.n ?? 0), oldestSeconds: Number(rows[0]?.age ?? 0) }
}
