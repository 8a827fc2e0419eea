// The append-only audit log: who did what to which target, when and from where.
import type { Queryable } from '../db/transaction.ts'

/** Who acts: a keyId for API callers, `cli:<user>` for the CLI. */
export interface Actor {
  id: string
  ip?: string | undefined
  userAgent?: string | undefined
  requestId?: string | undefined
}

export interface AuditEntry {
  id: string
  at: Date
  actor: string
  action: string
  target: string | null
  reason: string | null
  clientIp: string | null
  userAgent: string | null
  requestId: string | null
  details: Record<string, unknown>
}

export interface AuditQuery {
  actor?: string | undefined
  action?: string | undefined
  target?: string | undefined
  afterId?: bigint | undefined
  limit: number
}

export async function appendAudit (db: Queryable, actor: Actor, action: string, target: string | null, extra: { reason?: string | null | undefined, details?: Record<string, unknown> } = {}): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor, action, target, reason, client_ip, user_agent, request_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [actor.id, action, target, extra.reason ?? null, actor.ip ?? null, actor.userAgent?.slice(0, 512) ?? null, actor.requestId ?? null, extra.details ?? {}])
}

/** Oldest first, so that a page reads as the story of what happened (by the bigint id: the text alias would sort 10 before 9). */
export async function listAudit (db: Queryable, query: AuditQuery): Promise<{ items: AuditEntry[], nextId: bigint | undefined }> {
  const { rows } = await db.query<AuditEntry>(
    `SELECT id::text AS id, at, actor, action, target, reason, client_ip AS "clientIp", user_agent AS "userAgent",
       request_id AS "requestId", details
     FROM audit_log
     WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR target = $3) AND id > $4
     ORDER BY audit_log.id LIMIT $5`,
    [query.actor ?? null, query.action ?? null, query.target ?? null, String(query.afterId ?? 0n), query.limit + 1])
  const items = rows.slice(0, query.limit)
  return { items, nextId: rows.length > query.limit ? BigInt(items.at(-1)?.id ?? 0) : undefined }
}
