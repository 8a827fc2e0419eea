// Revocations that outstanding tokens must honour, each with its outbox row, written in the caller's transaction.
import type { Queryable } from '../db/transaction.ts'

export type RevocationKind = 'key' | 'token' | 'owner'

/**
 * Records that tokens of `subject` issued before now are void. `lifetimeSeconds` bounds how long
 * such a token can still live (the longest token TTL plus clock tolerance): the entry is useless after.
 */
export async function recordRevocation (db: Queryable, kind: RevocationKind, subject: string, lifetimeSeconds: number): Promise<{ id: string, seq: string }> {
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
