// Admin operations on signing keys: list, rotate (the planned change), revoke (the answer to a leak). Each
// one a transaction with its audit entry; a revocation also goes out on the revocation stream.
import type pg from 'pg'
import { type SigningAlgorithm, signingKeyRevocationLifetimeSeconds } from '@keygate/protocol'
import { type Actor, appendAudit } from '../audit/store.ts'
import { withTransaction } from '../db/transaction.ts'
import { errors } from '../errors.ts'
import { recordRevocation } from '../revocation/store.ts'
import { SIGNING_KEY_LOCK_ID, type SigningKeyInfo, listSigningKeys, newestAlgorithm, revokeSigningKey, rotateSigningKey } from './signing-keys.ts'

export type SigningKeyState = 'pending' | 'active' | 'retiring' | 'retired' | 'revoked'

export interface SigningKeyView {
  kid: string
  alg: string
  state: SigningKeyState
  createdAt: string
  activatesAt: string
  retiresAt: string | null
  revokedAt: string | null
}

export interface SigningKeyAdmin {
  list (): Promise<SigningKeyView[]>
  /** Publishes the next key, of `alg` (default: the configured algorithm), signing after `activateInSeconds`. */
  rotate (activateInSeconds: number, actor: Actor, alg?: SigningAlgorithm): Promise<{ kid: string, alg: SigningAlgorithm, activatesAt: Date, retiring: string[] }>
  /**
   * Rotates to the configured algorithm when the newest key (pending ones included) has another: a change
   * of KEYGATE_SIGNING_ALG is a rotation, published ahead. Undefined when no rotation was needed.
   */
  adoptConfiguredAlgorithm (activateInSeconds: number, actor: Actor): Promise<{ kid: string, alg: SigningAlgorithm } | undefined>
  /** `outboxSeq` names the revocation it recorded (absent when the kid was revoked already). */
  revoke (kid: string, actor: Actor): Promise<{ kid: string, revoked: boolean, replacement?: string, outboxSeq?: string }>
}

function stateOf (key: SigningKeyInfo, now: Date): SigningKeyState {
  if (key.revokedAt) return 'revoked'
  if (key.retiresAt && key.retiresAt <= now) return 'retired'
  if (key.activatesAt > now) return 'pending'
  return key.retiresAt ? 'retiring' : 'active'
}

export function viewSigningKey (key: SigningKeyInfo, now = new Date()): SigningKeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    state: stateOf(key, now),
    createdAt: key.createdAt.toISOString(),
    activatesAt: key.activatesAt.toISOString(),
    retiresAt: key.retiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null
  }
}

export interface SigningKeyAdminOptions {
  db: pg.Pool
  masterKey: Buffer
  /** What new keys are (KEYGATE_SIGNING_ALG): a rotation's default, and a revoked key's replacement. */
  alg: SigningAlgorithm
  onChanged?: () => void
}

export function createSigningKeyAdmin ({ db, masterKey, alg: configured, onChanged = () => {} }: SigningKeyAdminOptions): SigningKeyAdmin {
  return {
    async list () {
      const now = new Date()
      return (await listSigningKeys(db)).map((key) => viewSigningKey(key, now))
    },

    async rotate (activateInSeconds, actor, alg = configured) {
      const rotated = await withTransaction(db, async (tx) => {
        const result = await rotateSigningKey(tx, masterKey, activateInSeconds, alg)
        await appendAudit(tx, actor, 'signing-key.rotate', result.kid, { details: { alg, activateInSeconds, retiring: result.retiring } })
        return result
      })
      onChanged()
      return rotated
    },

    async adoptConfiguredAlgorithm (activateInSeconds, actor) {
      const rotated = await withTransaction(db, async (tx) => {
        // Under the key lock (taken by rotateSigningKey too, re-entrant in one transaction): one replica rotates.
        await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK_ID])
        const newest = await newestAlgorithm(tx)
        if (newest === undefined || newest === configured) return undefined
        const result = await rotateSigningKey(tx, masterKey, activateInSeconds, configured)
        await appendAudit(tx, actor, 'signing-key.rotate', result.kid, { details: { alg: configured, from: newest, activateInSeconds, retiring: result.retiring } })
        return result
      })
      if (rotated) onChanged()
      return rotated
    },

    async revoke (kid, actor) {
      const result = await withTransaction(db, async (tx) => {
        const revoked = await revokeSigningKey(tx, masterKey, kid, configured)
        if (!revoked) throw new errors.KG_ERR_NOT_FOUND(`signing key ${kid}`)
        if (!revoked.revoked) return { kid, revoked: false }
        const { seq } = await recordRevocation(tx, { kind: 'signing-key', subject: kid, generation: 0, lifetimeSeconds: signingKeyRevocationLifetimeSeconds() })
        await appendAudit(tx, actor, 'signing-key.revoke', kid, { details: { replacement: revoked.replacement } })
        return { kid, revoked: true, replacement: revoked.replacement, outboxSeq: seq }
      })
      onChanged()
      return result
    }
  }
}
