// SQL for API keys: rows in, records out. The secret hash leaves this file only for verification.
import type { Queryable } from '../db/transaction.ts'

export interface ApiKeyRecord {
  keyId: string
  prefix: string
  environment: string
  last4: string
  owner: string
  name: string
  scopes: string[]
  audiences: string[]
  ipAllowlist: string[]
  metadata: Record<string, unknown>
  createdAt: Date
  updatedAt: Date
  expiresAt: Date | null
  disabledAt: Date | null
  revokedAt: Date | null
  revokedReason: string | null
  lastUsedAt: Date | null
  rotatedFrom: string | null
}

/** A record with the hash it is verified against. */
export interface StoredApiKey extends ApiKeyRecord {
  secretHash: string
}

export type NewApiKeyRow = Pick<StoredApiKey, 'keyId' | 'prefix' | 'environment' | 'last4' | 'secretHash' | 'owner' | 'name' |
'scopes' | 'audiences' | 'ipAllowlist' | 'metadata' | 'expiresAt' | 'rotatedFrom'>

const RECORD_COLUMNS = `key_id AS "keyId", prefix, environment, last4, owner, name, scopes, audiences,
  ip_allowlist::text[] AS "ipAllowlist", metadata, created_at AS "createdAt", updated_at AS "updatedAt",
  expires_at AS "expiresAt", disabled_at AS "disabledAt", revoked_at AS "revokedAt",
  revoked_reason AS "revokedReason", last_used_at AS "lastUsedAt", rotated_from AS "rotatedFrom"`

export async function insertKey (db: Queryable, row: NewApiKeyRow): Promise<ApiKeyRecord> {
  const { rows } = await db.query<ApiKeyRecord>(
    `INSERT INTO api_keys (key_id, prefix, environment, last4, secret_hash, owner, name, scopes, audiences,
       ip_allowlist, metadata, expires_at, rotated_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::inet[], $11, $12, $13)
     RETURNING ${RECORD_COLUMNS}`,
    [row.keyId, row.prefix, row.environment, row.last4, row.secretHash, row.owner, row.name, row.scopes,
      row.audiences, row.ipAllowlist, row.metadata, row.expiresAt, row.rotatedFrom])
  return rows[0] as ApiKeyRecord
}

export async function findKeyForVerification (db: Queryable, keyId: string): Promise<StoredApiKey | undefined> {
  const { rows } = await db.query<StoredApiKey>(
    `SELECT ${RECORD_COLUMNS}, secret_hash AS "secretHash" FROM api_keys WHERE key_id = $1`, [keyId])
  return rows[0]
}

export async function findKey (db: Queryable, keyId: string): Promise<ApiKeyRecord | undefined> {
  const { rows } = await db.query<ApiKeyRecord>(`SELECT ${RECORD_COLUMNS} FROM api_keys WHERE key_id = $1`, [keyId])
  return rows[0]
}

/** Replaces a hash only if it is still the one that was verified (no lost update across replicas). */
export async function replaceSecretHash (db: Queryable, keyId: string, previous: string, next: string): Promise<void> {
  await db.query('UPDATE api_keys SET secret_hash = $3 WHERE key_id = $1 AND secret_hash = $2', [keyId, previous, next])
}

export async function countKeys (db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM api_keys')
  return Number(rows[0]?.n ?? 0)
}

export type KeyState = 'active' | 'disabled' | 'revoked' | 'expired'

export interface ListKeysQuery {
  owner?: string | undefined
  environment?: string | undefined
  state?: KeyState | undefined
  /** Exclusive: rows inserted after this position. */
  afterSeq?: bigint | undefined
  limit: number
}

const STATE_CONDITION: Record<KeyState, string> = {
  revoked: 'revoked_at IS NOT NULL',
  disabled: 'revoked_at IS NULL AND disabled_at IS NOT NULL',
  expired: 'revoked_at IS NULL AND disabled_at IS NULL AND expires_at <= now()',
  active: 'revoked_at IS NULL AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > now())'
}

/** One page in insertion order, and where the next page starts (`undefined` at the end). */
export async function listKeys (db: Queryable, query: ListKeysQuery): Promise<{ items: ApiKeyRecord[], nextSeq: bigint | undefined }> {
  const state = query.state ? `AND ${STATE_CONDITION[query.state]}` : ''
  const { rows } = await db.query<ApiKeyRecord & { seq: string }>(
    `SELECT ${RECORD_COLUMNS}, seq FROM api_keys
     WHERE ($1::text IS NULL OR owner = $1) AND ($2::text IS NULL OR environment = $2) AND seq > $3 ${state}
     ORDER BY seq LIMIT $4`,
    [query.owner ?? null, query.environment ?? null, String(query.afterSeq ?? 0n), query.limit + 1])
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  const items = page.map(({ seq: _, ...record }) => record)
  return { items, nextSeq: rows.length > query.limit && last ? BigInt(last.seq) : undefined }
}

export interface KeyPatch {
  name?: string | undefined
  scopes?: string[] | undefined
  audiences?: string[] | undefined
  ipAllowlist?: string[] | undefined
  expiresAt?: Date | null | undefined
  metadata?: Record<string, unknown> | undefined
}

/** Applies the fields present in `patch`; undefined when no such key. */
export async function updateKey (db: Queryable, keyId: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined> {
  const { rows } = await db.query<ApiKeyRecord>(
    `UPDATE api_keys SET
       name = COALESCE($2, name),
       scopes = COALESCE($3, scopes),
       audiences = COALESCE($4, audiences),
       ip_allowlist = COALESCE($5::inet[], ip_allowlist),
       expires_at = CASE WHEN $6 THEN $7::timestamptz ELSE expires_at END,
       metadata = COALESCE($8, metadata),
       updated_at = now()
     WHERE key_id = $1
     RETURNING ${RECORD_COLUMNS}`,
    [keyId, patch.name ?? null, patch.scopes ?? null, patch.audiences ?? null, patch.ipAllowlist ?? null,
      patch.expiresAt !== undefined, patch.expiresAt ?? null, patch.metadata ?? null])
  return rows[0]
}

/** Sets a state column; `changed` is false when the key was already in that state (idempotent calls). */
export async function setKeyState (db: Queryable, keyId: string, change: 'revoke' | 'disable' | 'enable', reason?: string | null): Promise<{ record: ApiKeyRecord, changed: boolean } | undefined> {
  const [set, where] = {
    revoke: ['revoked_at = now(), revoked_reason = $2', 'revoked_at IS NULL'],
    disable: ['disabled_at = now()', 'disabled_at IS NULL AND revoked_at IS NULL'],
    enable: ['disabled_at = NULL', 'disabled_at IS NOT NULL AND revoked_at IS NULL']
  }[change]
  const params = change === 'revoke' ? [keyId, reason ?? null] : [keyId]
  const { rows } = await db.query<ApiKeyRecord>(
    `UPDATE api_keys SET ${set}, updated_at = now() WHERE key_id = $1 AND ${where} RETURNING ${RECORD_COLUMNS}`, params)
  if (rows[0]) return { record: rows[0], changed: true }
  const current = await findKey(db, keyId)
  return current ? { record: current, changed: false } : undefined
}

/** Ends a rotated key's grace period: it is refused from `at` on. */
export async function expireKeyAt (db: Queryable, keyId: string, at: Date): Promise<void> {
  await db.query('UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2), updated_at = now() WHERE key_id = $1', [keyId, at])
}

/** The keyIds of an owner's keys that are not revoked yet, locked for the caller's transaction. */
export async function lockUnrevokedKeysOf (db: Queryable, owner: string): Promise<string[]> {
  const { rows } = await db.query<{ keyId: string }>(
    'SELECT key_id AS "keyId" FROM api_keys WHERE owner = $1 AND revoked_at IS NULL ORDER BY seq FOR UPDATE', [owner])
  return rows.map((r) => r.keyId)
}
