// API key life: create (show once, store the hash) and authenticate (cheap refusals before any Argon2 work).
import type pg from 'pg'
import type { Queryable } from '../db/transaction.ts'
import { refuseClient } from '../errors.ts'
import { type ApiKeyParts, generateApiKey, lastFour } from './format.ts'
import type { FailedAttempts } from './failed-attempts.ts'
import type { SecretHasher } from './hashing.ts'
import { isIpAllowed } from './ip-allowlist.ts'
import { stateOf } from './view.ts'
import type { VerifiedCache } from './verified-cache.ts'
import type { WorkLimiter } from './work-limiter.ts'
import { type ApiKeyRecord, type NewApiKeyRow, type StoredApiKey, findKeyForVerification, insertKey, replaceSecretHash } from './store.ts'

export interface CreateKeyInput {
  name: string
  owner: string
  scopes: string[]
  audiences?: string[]
  ipAllowlist?: string[]
  metadata?: Record<string, unknown>
  expiresAt?: Date | null
  prefix?: string
  rotatedFrom?: string
}

export interface CreatedKey {
  /** The full API key: returned here once, stored nowhere. */
  key: string
  record: ApiKeyRecord
}

/** A new key, generated and hashed, not stored yet. */
export interface PreparedKey {
  /** The full API key: returned once, stored nowhere. */
  key: string
  row: NewApiKeyRow
}

export interface KeyService {
  /** Generates and hashes a key (the slow part, done outside any transaction). */
  prepareKey (input: CreateKeyInput): Promise<PreparedKey>
  /** prepareKey, then inserts through `db` (a transaction's client) or the pool. */
  createKey (input: CreateKeyInput, db?: Queryable): Promise<CreatedKey>
  /** The key's record when `presented` (parsed by parseApiKey) is a valid, usable key; otherwise throws KG_ERR_CLIENT_INVALID. */
  authenticate (presented: ApiKeyParts, context?: { clientId?: string | undefined, clientIp?: string | undefined, now?: Date }): Promise<ApiKeyRecord>
}

export interface KeyServiceOptions {
  db: pg.Pool
  hasher: SecretHasher
  limiter: WorkLimiter
  /** Skips Argon2 for a key presented again within its window. */
  verified: VerifiedCache
  /** The per-key limit on failed verifications (absent: none, as in the CLI, which authenticates nobody). */
  failedAttempts?: FailedAttempts | undefined
  keyPrefix: string
  /** Failures of work done after the response (rehashing). */
  onBackgroundError: (err: unknown) => void
}

/** `kg_live` → `live`: the environment a prefix names. */
export function environmentOf (prefix: string): string {
  return prefix.slice(prefix.indexOf('_') + 1)
}

function checkUsable (key: StoredApiKey, now: Date): void {
  const state = stateOf(key, now)
  if (state !== 'active') throw refuseClient(state, key.keyId)
}

function withoutHash ({ secretHash: _, ...record }: StoredApiKey): ApiKeyRecord {
  return record
}

export function createKeyService (options: KeyServiceOptions): KeyService {
  const { db, hasher, limiter, verified, failedAttempts } = options

  function rehashInBackground (key: StoredApiKey, secret: string): void {
    if (!hasher.needsRehash(key.secretHash)) return
    limiter.run(() => hasher.hash(secret))
      .then((next) => replaceSecretHash(db, key.keyId, key.secretHash, next))
      .catch(options.onBackgroundError)
  }

  async function prepareKey (input: CreateKeyInput): Promise<PreparedKey> {
    const prefix = input.prefix ?? options.keyPrefix
    const generated = generateApiKey(prefix)
    const secretHash = await limiter.run(() => hasher.hash(generated.secret))
    return {
      key: generated.key,
      row: {
        keyId: generated.keyId,
        prefix,
        environment: environmentOf(prefix),
        last4: lastFour(generated.key),
        secretHash,
        owner: input.owner,
        name: input.name,
        scopes: input.scopes,
        audiences: input.audiences ?? [],
        ipAllowlist: input.ipAllowlist ?? [],
        metadata: input.metadata ?? {},
        expiresAt: input.expiresAt ?? null,
        rotatedFrom: input.rotatedFrom ?? null
      }
    }
  }

  return {
    prepareKey,

    async createKey (input, client = db) {
      const { key, row } = await prepareKey(input)
      return { key, record: await insertKey(client, row) }
    },

    async authenticate (parts, context = {}) {
      if (context.clientId !== undefined && context.clientId !== parts.keyId) throw refuseClient('client_id_mismatch', parts.keyId)
      const key = await findKeyForVerification(db, parts.keyId)
      if (!key) throw refuseClient('unknown_key', parts.keyId)
      if (key.prefix !== parts.prefix) throw refuseClient('prefix_mismatch', parts.keyId)
      checkUsable(key, context.now ?? new Date())
      if (context.clientIp !== undefined && !isIpAllowed(key.ipAllowlist, context.clientIp)) throw refuseClient('ip_not_allowed', key.keyId)
      // State, scopes and allowlist above are read fresh each time: the cache only spares the hash.
      const valid = await verified.check(key.keyId, parts.secret, key.secretHash, async (recognised) => {
        if (recognised || failedAttempts === undefined) return limiter.run(() => hasher.verify(key.secretHash, parts.secret))
        await failedAttempts.attempt(key.keyId, context.clientIp)
        const matches = await limiter.run(() => hasher.verify(key.secretHash, parts.secret))
        if (matches) await failedAttempts.succeeded(key.keyId, context.clientIp)
        return matches
      })
      if (!valid) throw refuseClient('wrong_secret', parts.keyId)
      rehashInBackground(key, parts.secret)
      return withoutHash(key)
    }
  }
}
