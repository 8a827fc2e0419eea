// SQL for API keys: rows in, records out. The secret hash leaves this file only for verification.
import type pg from 'pg'

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

type Queryable = Pick<pg.Pool, 'query'>

const RECORD_COLUMNS = `key_id AS "keyId", prefix, environment, last4, owner, name, scopes, audiences,
  ip_allowlist::text[] AS "ipAllowlist", metadata, created_at AS "createdAt", updated_at AS "updatedAt",
  expires_at AS "expiresAt", disabled_at AS "disabledAt", revoked_at AS "revokedAt",
  revoked_reason AS "revokedReason", last_used_at AS "lastUsedAt", rotated_from AS "rotatedFrom"`

export async function insertKey (db: Queryable, row: NewApiKeyRow): Promise<ApiKeyRecord> {
  const { rows } = await db.query<ApiKeyRecord>(
    `INSERT INTO api_keys (key_id, prefix, environment, last4, secret_hash, owner, name, scopes, audiences,
       ip_allowlist, metadata, expires_at, rotated_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::cidr[], $11, $12, $13)
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

export interface ListKeysQuery {
  owner?: string | undefined
  /** Exclusive: rows inserted after this position. */
  afterSeq?: bigint | undefined
  limit: number
}

/** One page in insertion order, and where the next page starts (`undefined` at the end). */
export async function listKeys (db: Queryable, query: ListKeysQuery): Promise<{ items: ApiKeyRecord[], nextSeq: bigint | undefined }> {
  const { rows } = await db.query<ApiKeyRecord & { seq: string }>(
    `SELECT ${RECORD_COLUMNS}, seq FROM api_keys
     WHERE ($1::text IS NULL OR owner = $1) AND seq > $2
     ORDER BY seq LIMIT $3`,
    [query.owner ?? null, String(query.afterSeq ?? 0n), query.limit + 1])
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  const items = page.map(({ seq: _, ...record }) => record)
  return { items, nextSeq: rows.length > query.limit && last ? BigInt(last.seq) : undefined }
}
