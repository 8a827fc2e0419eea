// Admin operations on signing keys: list, rotate (the planned change), revoke (the answer to a leak). Each
// one a transaction with its audit entry; a revocation also goes out on the revocation stream.
import type pg from 'pg'
import { signingKeyRevocationLifetimeSeconds } from '@keygate/protocol'
import { type Actor, appendAudit } from '../audit/store.ts'
import { withTransaction } from '../db/transaction.ts'
import { errors } from '../errors.ts'
import { recordRevocation } from '../revocation/store.ts'
import { type SigningKeyInfo, listSigningKeys, revokeSigningKey, rotateSigningKey } from './signing-keys.ts'

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
  rotate (activateInSeconds: number, actor: Actor): Promise<{ kid: string, activatesAt: Date, retiring: string[] }>
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

export function createSigningKeyAdmin ({ db, masterKey, onChanged = () => {} }: { db: pg.Pool, masterKey: Buffer, onChanged?: () => void }): SigningKeyAdmin {
  return {
    async list () {
      const now = new Date()
      return (await listSigningKeys(db)).map((key) => viewSigningKey(key, now))
    },

    async rotate (activateInSeconds, actor) {
      const rotated = await withTransaction(db, async (tx) => {
        const result = await rotateSigningKey(tx, masterKey, activateInSeconds)
        await appendAudit(tx, actor, 'signing-key.rotate', result.kid, { details: { activateInSeconds, retiring: result.retiring } })
        return result
      })
      onChanged()
      return rotated
    },

    async revoke (kid, actor) {
      const result = await withTransaction(db, async (tx) => {
        const revoked = await revokeSigningKey(tx, masterKey, kid)
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
