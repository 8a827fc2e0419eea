// Signing keys shared by every replica: generated once, stored sealed in Postgres, published as JWKS.
import { type KeyObject, createPrivateKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'
import type pg from 'pg'
import {
  MAX_CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_TTL_SECONDS, MIN_RSA_MODULUS_BITS, type SigningAlgorithm, signingKeyRevocationLifetimeSeconds
} from '@keygate/protocol'
import { type Queryable, withTransaction } from '../db/transaction.ts'
import { recordRevocation } from '../revocation/store.ts'
import { thumbprint } from '../jwk.ts'
import { openPrivateKey, sealPrivateKey } from './sealed-key.ts'

/** A published key: the public members of its type (OKP: crv, x; EC: crv, x, y; RSA: n, e), pinned to its alg. */
export interface PublicJwk {
  kty: 'OKP' | 'EC' | 'RSA'
  crv?: string
  x?: string
  y?: string
  n?: string
  e?: string
  kid: string
  alg: SigningAlgorithm
  use: 'sig'
}

export interface SigningKey {
  kid: string
  alg: SigningAlgorithm
  /** PKCS#8 PEM, in memory only: fast-jwt imports a string key once and caches the signer. */
  privatePem: string
}

/** The advisory lock every change of the signing keys takes, for the length of its transaction. */
export const SIGNING_KEY_LOCK_ID = 0x6b67736b

/** Postgres NOTIFY channel raised when the key that signs changes before its time (a revocation). */
export const SIGNING_KEY_CHANNEL = 'keygate_signing_key'

/**
 * How long a key stays published once its successor signs: the longest lifetime any token can have, whatever
 * TTL the gateways that signed with it were given, plus the verifiers' clock tolerance.
 */
const RETIREMENT_DELAY_SECONDS = MAX_TOKEN_TTL_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS

const KEY_PAIRS: Record<SigningAlgorithm, () => { publicKey: KeyObject, privateKey: KeyObject }> = {
  EdDSA: () => generateKeyPairSync('ed25519'),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: MIN_RSA_MODULUS_BITS })
}

function publicMembers (jwk: JsonWebKey): Pick<PublicJwk, 'kty' | 'crv' | 'x' | 'y' | 'n' | 'e'> {
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }
  if (jwk.kty === 'EC') return { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }
  return { kty: 'OKP', crv: jwk.crv as string, x: jwk.x as string }
}

export function generateSigningKey (alg: SigningAlgorithm): { kid: string, publicJwk: PublicJwk, privateDer: Buffer } {
  const { publicKey, privateKey } = KEY_PAIRS[alg]()
  const jwk = publicKey.export({ format: 'jwk' })
  const kid = thumbprint(jwk)
  return {
    kid,
    publicJwk: { ...publicMembers(jwk), kid, alg, use: 'sig' },
    privateDer: privateKey.export({ format: 'der', type: 'pkcs8' })
  }
}

async function insertSigningKey (db: Queryable, masterKey: Buffer, alg: SigningAlgorithm, activateInSeconds = 0): Promise<{ kid: string, alg: SigningAlgorithm, activatesAt: Date }> {
  const key = generateSigningKey(alg)
  const { rows } = await db.query<{ activatesAt: Date }>(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_key_enc, activates_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision)) RETURNING activates_at AS "activatesAt"`,
    [key.kid, alg, key.publicJwk, sealPrivateKey(masterKey, key.kid, key.privateDer), activateInSeconds])
  return { kid: key.kid, alg, activatesAt: (rows[0] as { activatesAt: Date }).activatesAt }
}

export interface SigningKeyInfo {
  kid: string
  alg: string
  createdAt: Date
  activatesAt: Date
  retiresAt: Date | null
  revokedAt: Date | null
}

/**
 * Adds the next key (published at once, signing after `activateInSeconds`) and schedules every current
 * key to leave the JWKS once the last token it can have signed has expired. Runs in the caller's transaction.
 */
export async function rotateSigningKey (tx: Queryable, masterKey: Buffer, activateInSeconds: number, alg: SigningAlgorithm): Promise<{ kid: string, alg: SigningAlgorithm, activatesAt: Date, retiring: string[] }> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK_ID])
  const next = await insertSigningKey(tx, masterKey, alg, activateInSeconds)
  const { rows } = await tx.query<{ kid: string }>(
    `UPDATE signing_keys SET retires_at = $2::timestamptz + make_interval(secs => $3::double precision)
     WHERE kid <> $1 AND revoked_at IS NULL AND (retires_at IS NULL OR retires_at > now()) AND activates_at <= $2::timestamptz RETURNING kid`,
    [next.kid, next.activatesAt, RETIREMENT_DELAY_SECONDS])
  return { ...next, retiring: rows.map((r) => r.kid) }
}

/**
 * Revokes a signing key in the caller's transaction: it leaves the JWKS and stops signing at once, and a
 * fresh key signs from now. `undefined` when no such kid; `revoked: false` when it was revoked already.
 */
export async function revokeSigningKey (tx: Queryable, masterKey: Buffer, kid: string, alg: SigningAlgorithm): Promise<{ revoked: false } | { revoked: true, replacement: string } | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK_ID])
  const { rows } = await tx.query<{ revokedAt: Date | null }>('SELECT revoked_at AS "revokedAt" FROM signing_keys WHERE kid = $1', [kid])
  if (rows.length === 0) return undefined
  if (rows[0]?.revokedAt) return { revoked: false }
  await tx.query('UPDATE signing_keys SET revoked_at = now(), retires_at = LEAST(COALESCE(retires_at, now()), now()) WHERE kid = $1', [kid])
  const replacement = await insertSigningKey(tx, masterKey, alg, 0)
  // Delivered at commit: every replica loads the new key at once instead of at its next refresh.
  await tx.query(`SELECT pg_notify('${SIGNING_KEY_CHANNEL}', $1)`, [kid])
  return { revoked: true, replacement: replacement.kid }
}

/**
 * Turns the retirements that have come due into signing-key revocations, once each: every token of a
 * retired key has expired, so a verifier that still caches the key (its JWKS max age) may as well refuse
 * it, and a token forged with it later is refused everywhere. Returns the outbox positions recorded.
 */
export async function announceRetirements (pool: pg.Pool): Promise<string[]> {
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ kid: string }>(
      `UPDATE signing_keys SET retirement_announced_at = now()
       WHERE kid IN (SELECT kid FROM signing_keys WHERE retires_at <= now() AND revoked_at IS NULL AND retirement_announced_at IS NULL FOR UPDATE SKIP LOCKED)
       RETURNING kid`)
    const seqs: string[] = []
    for (const { kid } of rows) {
      seqs.push((await recordRevocation(tx, { kind: 'signing-key', subject: kid, generation: 0, lifetimeSeconds: signingKeyRevocationLifetimeSeconds() })).seq)
    }
    return seqs
  })
}

export async function listSigningKeys (db: Queryable): Promise<SigningKeyInfo[]> {
  const { rows } = await db.query<SigningKeyInfo>(
    `SELECT kid, alg, created_at AS "createdAt", activates_at AS "activatesAt", retires_at AS "retiresAt", revoked_at AS "revokedAt"
     FROM signing_keys ORDER BY activates_at, created_at`)
  return rows
}

// Published: created, not retired, not revoked (a revoked key is retired at once).
const PUBLISHED = 'revoked_at IS NULL AND (retires_at IS NULL OR retires_at > now())'

// The newest published key allowed to sign now.
const SIGNING_NOW = `activates_at <= now() AND ${PUBLISHED} ORDER BY activates_at DESC, created_at DESC LIMIT 1`

/** The kid of the key that signs now, without opening it (undefined before the first key exists). */
export async function signingKid (db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE ${SIGNING_NOW}`)
  return rows[0]?.kid
}

/** The algorithm of the newest published key, pending ones included: what the gateway signs with next. */
export async function newestAlgorithm (db: Queryable): Promise<SigningAlgorithm | undefined> {
  const { rows } = await db.query<{ alg: SigningAlgorithm }>(`SELECT alg FROM signing_keys WHERE ${PUBLISHED} ORDER BY activates_at DESC, created_at DESC LIMIT 1`)
  return rows[0]?.alg
}

/**
 * The newest key allowed to sign now; creates the first one (once across replicas, with `alg`) when there
 * is none. A key of another algorithm is used all the same: changing the algorithm is a rotation.
 */
export async function loadSigningKey (pool: pg.Pool, masterKey: Buffer, alg: SigningAlgorithm = 'EdDSA'): Promise<SigningKey> {
  const select = `SELECT kid, alg, private_key_enc AS sealed FROM signing_keys WHERE ${SIGNING_NOW}`
  const row = await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK_ID])
    let { rows } = await client.query<{ kid: string, alg: SigningAlgorithm, sealed: Buffer }>(select)
    if (rows.length === 0) {
      await insertSigningKey(client, masterKey, alg)
      ;({ rows } = await client.query<{ kid: string, alg: SigningAlgorithm, sealed: Buffer }>(select))
    }
    return rows[0] as { kid: string, alg: SigningAlgorithm, sealed: Buffer }
  })
  const der = openPrivateKey(masterKey, row.kid, row.sealed)
  const privatePem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string
  return { kid: row.kid, alg: row.alg, privatePem }
}

/** Every public key a verifier may meet: published ahead of signing, kept until its tokens expire. */
export async function listPublishedKeys (db: Queryable): Promise<PublicJwk[]> {
  const { rows } = await db.query<{ jwk: PublicJwk }>(
    `SELECT public_jwk AS jwk FROM signing_keys WHERE ${PUBLISHED} ORDER BY activates_at DESC`)
  return rows.map((r) => r.jwk)
}
