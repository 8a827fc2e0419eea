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
  /** The policy generation: raised by disable and by narrowing scopes or audiences. */
  generation: number
  /** How its holder authenticates: the secret (Argon2id hash kept), or an assertion signed by a keypair. */
  credential: 'secret' | 'keypair'
  /** A keypair key's public keys still accepted (the newest last); none for a secret key. */
  publicKeys: KeyPublicKey[]
}

export interface KeyPublicKey {
  thumbprint: string
  alg: 'EdDSA' | 'ES256'
  jwk: { kty: 'OKP' | 'EC', crv: string, x: string, y?: string }
  createdAt: string
  /** Set by a rotation: accepted until then. */
  expiresAt: string | null
}

/** A record with the hash it is verified against (null for a keypair key). */
export interface StoredApiKey extends ApiKeyRecord {
  secretHash: string | null
}

export type NewApiKeyRow = Pick<StoredApiKey, 'keyId' | 'prefix' | 'environment' | 'last4' | 'secretHash' | 'owner' | 'name' |
'scopes' | 'audiences' | 'ipAllowlist' | 'metadata' | 'expiresAt' | 'rotatedFrom'>

// A keypair key's public keys ride along with its row: one round trip, as for a secret key.
const PUBLIC_KEYS = `COALESCE((SELECT json_agg(json_build_object('thumbprint', p.thumbprint, 'alg', p.alg, 'jwk', p.jwk,
    'createdAt', p.created_at, 'expiresAt', p.expires_at) ORDER BY p.created_at)
  FROM key_public_keys p WHERE p.key_id = api_keys.key_id AND (p.expires_at IS NULL OR p.expires_at > now())), '[]'::json)`

/**
 * The public keys an assertion may be signed by at `now`: those whose grace period has not ended. The read
 * above leaves the ended ones out too; a row kept since (keys/row-cache.ts) is filtered again at use.
 */
export function acceptedPublicKeys (publicKeys: readonly KeyPublicKey[], now: Date): KeyPublicKey[] {
  return publicKeys.filter((k) => k.expiresAt === null || Date.parse(k.expiresAt) > now.getTime())
}

const RECORD_COLUMNS = `key_id AS "keyId", prefix, environment, last4, owner, name, scopes, audiences,
  ip_allowlist::text[] AS "ipAllowlist", metadata, created_at AS "createdAt", updated_at AS "updatedAt",
  expires_at AS "expiresAt", disabled_at AS "disabledAt", revoked_at AS "revokedAt",
  revoked_reason AS "revokedReason", last_used_at AS "lastUsedAt", rotated_from AS "rotatedFrom", generation,
  credential, ${PUBLIC_KEYS} AS "publicKeys"`

/** Inserts a key; a keypair key (no hash) with its first public key. */
export async function insertKey (db: Queryable, row: NewApiKeyRow, publicKey?: { thumbprint: string, alg: string, jwk: object }): Promise<ApiKeyRecord> {
  await db.query(
    `INSERT INTO api_keys (key_id, prefix, environment, last4, secret_hash, owner, name, scopes, audiences,
       ip_allowlist, metadata, expires_at, rotated_from, credential)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::inet[], $11, $12, $13, $14)`,
    [row.keyId, row.prefix, row.environment, row.last4, row.secretHash, row.owner, row.name, row.scopes,
      row.audiences, row.ipAllowlist, row.metadata, row.expiresAt, row.rotatedFrom, publicKey ? 'keypair' : 'secret'])
  if (publicKey) await addPublicKey(db, row.keyId, publicKey, 0)
  return await findKey(db, row.keyId) as ApiKeyRecord
}

/**
 * Adds a public key to a keypair key; the ones it had stay accepted for `graceSeconds` more (0: they go
 * now). Runs in the caller's transaction, under the key's row lock.
 */
export async function addPublicKey (db: Queryable, keyId: string, publicKey: { thumbprint: string, alg: string, jwk: object }, graceSeconds: number): Promise<void> {
  await db.query(
    `UPDATE key_public_keys SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $2::double precision))
     WHERE key_id = $1 AND (expires_at IS NULL OR expires_at > now())`, [keyId, graceSeconds])
  await db.query(
    `INSERT INTO key_public_keys (key_id, thumbprint, alg, jwk) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_id, thumbprint) DO UPDATE SET expires_at = NULL`,
    [keyId, publicKey.thumbprint, publicKey.alg, publicKey.jwk])
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

/** The key's row, locked until the caller's transaction ends: state changes of one key run one at a time. */
export async function lockKey (db: Queryable, keyId: string): Promise<ApiKeyRecord | undefined> {
  const { rows } = await db.query<ApiKeyRecord>(`SELECT ${RECORD_COLUMNS} FROM api_keys WHERE key_id = $1 FOR UPDATE`, [keyId])
  return rows[0]
}

/**
 * Serialises, within the caller's transaction, everything that creates or revokes keys of one owner: a key
 * created while its owner is being revoked is created either before (and revoked) or after (and valid).
 */
export async function lockOwner (db: Queryable, owner: string): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(hashtextextended('keygate:owner:' || $1, 0))", [owner])
}

/** Applies the fields present in `patch`, raising the generation when asked; undefined when no such key. */
export async function updateKey (db: Queryable, keyId: string, patch: KeyPatch, raiseGeneration: boolean): Promise<ApiKeyRecord | undefined> {
  const { rows } = await db.query<ApiKeyRecord>(
    `UPDATE api_keys SET
       name = COALESCE($2, name),
       scopes = COALESCE($3, scopes),
       audiences = COALESCE($4, audiences),
       ip_allowlist = COALESCE($5::inet[], ip_allowlist),
       expires_at = CASE WHEN $6 THEN $7::timestamptz ELSE expires_at END,
       metadata = COALESCE($8, metadata),
       generation = generation + CASE WHEN $9 THEN 1 ELSE 0 END,
       updated_at = now()
     WHERE key_id = $1
     RETURNING ${RECORD_COLUMNS}`,
    [keyId, patch.name ?? null, patch.scopes ?? null, patch.audiences ?? null, patch.ipAllowlist ?? null,
      patch.expiresAt !== undefined, patch.expiresAt ?? null, patch.metadata ?? null, raiseGeneration])
  return rows[0]
}

export type StateChangeKind = 'revoke' | 'disable' | 'enable'

// Disable raises the generation: every token minted before, however late it was signed, carries a lower one.
const STATE_SET: Record<StateChangeKind, string> = {
  revoke: 'revoked_at = now(), revoked_reason = $2',
  disable: 'disabled_at = now(), generation = generation + 1',
  enable: 'disabled_at = NULL'
}

/** Changes a key's state (the caller has locked the row and checked that the change applies). */
export async function setKeyState (db: Queryable, keyId: string, change: StateChangeKind, reason?: string | null): Promise<ApiKeyRecord> {
  const params = change === 'revoke' ? [keyId, reason ?? null] : [keyId]
  const { rows } = await db.query<ApiKeyRecord>(
    `UPDATE api_keys SET ${STATE_SET[change]}, updated_at = now() WHERE key_id = $1 RETURNING ${RECORD_COLUMNS}`, params)
  return rows[0] as ApiKeyRecord
}

/** Whether a key was already rotated (it has a successor). */
export async function hasSuccessor (db: Queryable, keyId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM api_keys WHERE rotated_from = $1 LIMIT 1', [keyId])
  return (rowCount ?? 0) > 0
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
