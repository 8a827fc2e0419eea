// API key life: create (show once, store the hash) and authenticate (cheap refusals before any Argon2 work).
import type pg from 'pg'
import type { Queryable } from '../db/transaction.ts'
import { refuseClient } from '../errors.ts'
import { type ApiKeyParts, generateApiKey, lastFour } from './format.ts'
import type { FailedAttempts } from './failed-attempts.ts'
import type { ReplayGuard } from './assertion-replay.ts'
import { isSignedByOneOf, readClientAssertion } from './client-assertion.ts'
import type { ClientPublicKey } from './public-keys.ts'
import type { SecretHasher } from './hashing.ts'
import { isIpAllowed } from './ip-allowlist.ts'
import type { KeyRowCache } from './row-cache.ts'
import { stateOf } from './view.ts'
import type { VerifiedCache } from './verified-cache.ts'
import type { WorkLimiter } from './work-limiter.ts'
import { type ApiKeyRecord, type NewApiKeyRow, type StoredApiKey, acceptedPublicKeys, findKeyForVerification, insertKey, replaceSecretHash } from './store.ts'

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
  /** A keypair key: the public key its assertions are verified with (no secret is made). */
  publicKey?: ClientPublicKey
}

export interface CreatedKey {
  /** The full API key: returned here once, stored nowhere. Empty for a keypair key, which has none. */
  key: string
  record: ApiKeyRecord
}

/** A new key, generated and hashed, not stored yet. */
export interface PreparedKey {
  /** The full API key: returned once, stored nowhere (empty for a keypair key). */
  key: string
  row: NewApiKeyRow
  publicKey?: ClientPublicKey
}

export interface KeyService {
  /** Generates and hashes a key (the slow part, done outside any transaction). */
  prepareKey (input: CreateKeyInput): Promise<PreparedKey>
  /** prepareKey, then inserts through `db` (a transaction's client) or the pool. */
  createKey (input: CreateKeyInput, db?: Queryable): Promise<CreatedKey>
  /** The key's record when `presented` (parsed by parseApiKey) is a valid, usable key; otherwise throws KG_ERR_CLIENT_INVALID. */
  authenticate (presented: ApiKeyParts, context?: AuthenticationContext): Promise<ApiKeyRecord>
  /**
   * The keypair key's record when `assertion` (RFC 7523) is signed by one of its public keys, names this
   * gateway, lives no longer than allowed and is seen for the first time; otherwise throws KG_ERR_CLIENT_INVALID.
   */
  authenticateAssertion (assertion: string, context?: AuthenticationContext): Promise<ApiKeyRecord>
}

export interface AuthenticationContext {
  clientId?: string | undefined
  clientIp?: string | undefined
  now?: Date
}

export interface KeyServiceOptions {
  db: pg.Pool
  hasher: SecretHasher
  limiter: WorkLimiter
  /** Skips Argon2 for a key presented again within its window. */
  verified: VerifiedCache
  /** Where secret-key authentication reads key rows (absent: Postgres, every time). */
  rows?: KeyRowCache | undefined
  /** The per-key limit on failed verifications (absent: none, as in the CLI, which authenticates nobody). */
  failedAttempts?: FailedAttempts | undefined
  /** What assertions are checked against (absent in the CLI): the gateway's issuer, the jti store, the clock tolerance. */
  assertions?: { issuer: string, replay: ReplayGuard, toleranceSeconds: number } | undefined
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
  const readKey = options.rows?.read ?? ((keyId: string) => findKeyForVerification(db, keyId))

  function rehashInBackground (keyId: string, secretHash: string, secret: string): void {
    if (!hasher.needsRehash(secretHash)) return
    limiter.run(() => hasher.hash(secret))
      .then((next) => replaceSecretHash(db, keyId, secretHash, next))
      .catch(options.onBackgroundError)
  }

  async function prepareKey (input: CreateKeyInput): Promise<PreparedKey> {
    const prefix = input.prefix ?? options.keyPrefix
    // A keypair key takes only the keyId of a generated key: its secret is dropped unhashed, unseen.
    const generated = generateApiKey(prefix)
    const keypair = input.publicKey !== undefined
    const secretHash = keypair ? null : await limiter.run(() => hasher.hash(generated.secret))
    return {
      key: keypair ? '' : generated.key,
      ...(input.publicKey ? { publicKey: input.publicKey } : {}),
      row: {
        keyId: generated.keyId,
        prefix,
        environment: environmentOf(prefix),
        last4: keypair ? '' : lastFour(generated.key),
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
      const { key, row, publicKey } = await prepareKey(input)
      return { key, record: await insertKey(client, row, publicKey) }
    },

    async authenticateAssertion (assertion, context = {}) {
      const checks = options.assertions
      if (checks === undefined) throw new Error('assertion authentication is not configured')
      const now = context.now ?? new Date()
      const read = readClientAssertion(assertion, { issuer: checks.issuer, clientId: context.clientId, nowMs: now.getTime(), toleranceSeconds: checks.toleranceSeconds })
      const key = await readKey(read.keyId)
      if (!key) throw refuseClient('unknown_key', read.keyId)
      if (key.credential !== 'keypair') throw refuseClient('not_a_keypair_key', read.keyId)
      checkUsable(key, now)
      if (context.clientIp !== undefined && !isIpAllowed(key.ipAllowlist, context.clientIp)) throw refuseClient('ip_not_allowed', key.keyId)
      // A kept row may hold a public key whose grace period has ended since it was read.
      if (!isSignedByOneOf(read, acceptedPublicKeys(key.publicKeys, now))) throw refuseClient('assertion_signature', key.keyId)
      // Last: only an assertion its key signed can use up a jti.
      // Kept as long as the assertion is accepted: its exp plus the clock tolerance.
      if (!await checks.replay.firstUse(key.keyId, read.jti, read.expiresAt + checks.toleranceSeconds * 1000)) throw refuseClient('assertion_replayed', key.keyId)
      return withoutHash(key)
    },

    async authenticate (parts, context = {}) {
      if (context.clientId !== undefined && context.clientId !== parts.keyId) throw refuseClient('client_id_mismatch', parts.keyId)
      const key = await readKey(parts.keyId)
      if (!key) throw refuseClient('unknown_key', parts.keyId)
      if (key.prefix !== parts.prefix) throw refuseClient('prefix_mismatch', parts.keyId)
      const { secretHash } = key
      if (secretHash === null) throw refuseClient('not_a_secret_key', parts.keyId)
      checkUsable(key, context.now ?? new Date())
      if (context.clientIp !== undefined && !isIpAllowed(key.ipAllowlist, context.clientIp)) throw refuseClient('ip_not_allowed', key.keyId)
      // State, scopes and allowlist above are checked every time, on a row no older than the last change heard.
      const valid = await verified.check(key.keyId, parts.secret, secretHash, async (recognised) => {
        if (recognised || failedAttempts === undefined) return limiter.run(() => hasher.verify(secretHash, parts.secret))
        await failedAttempts.attempt(key.keyId, context.clientIp)
        let matches: boolean
        try {
          matches = await limiter.run(() => hasher.verify(secretHash, parts.secret))
        } catch (err) {
          // Shed or failed before it verified anything: not a failed guess.
          await failedAttempts.release(key.keyId, context.clientIp)
          throw err
        }
        if (matches) await failedAttempts.release(key.keyId, context.clientIp)
        return matches
      })
      if (!valid) throw refuseClient('wrong_secret', parts.keyId)
      rehashInBackground(key.keyId, secretHash, parts.secret)
      return withoutHash(key)
    }
  }
}
