// Admin mutations of keys: each one a transaction that changes the key, records the revocation its tokens
// must honour (with its outbox row) and appends to the audit log, so none of the three can be lost alone.
import type pg from 'pg'
import { type Actor, appendAudit } from '../audit/store.ts'
import { withTransaction } from '../db/transaction.ts'
import { errors } from '../errors.ts'
import { recordRevocation } from '../revocation/store.ts'
import type { CreateKeyInput, CreatedKey, KeyService } from './service.ts'
import { type ApiKeyRecord, type KeyPatch, expireKeyAt, findKey, lockUnrevokedKeysOf, setKeyState, updateKey } from './store.ts'

/** The result of a state change; `outboxSeq` names the revocation it recorded, if any. */
export interface StateChange {
  record: ApiKeyRecord
  changed: boolean
  outboxSeq?: string
}

export interface KeyAdmin {
  create (input: CreateKeyInput, actor: Actor): Promise<CreatedKey>
  update (keyId: string, patch: KeyPatch, actor: Actor): Promise<ApiKeyRecord>
  revoke (keyId: string, reason: string | undefined, actor: Actor): Promise<StateChange>
  disable (keyId: string, actor: Actor): Promise<StateChange>
  enable (keyId: string, actor: Actor): Promise<StateChange>
  rotate (keyId: string, gracePeriodSeconds: number, actor: Actor): Promise<CreatedKey & { previous: ApiKeyRecord }>
  revokeOwner (owner: string, reason: string | undefined, actor: Actor): Promise<{ revoked: string[], outboxSeq: string }>
}

export interface KeyAdminOptions {
  db: pg.Pool
  keys: KeyService
  /** How long a token issued now can live: longest TTL plus clock tolerance. */
  revocationLifetimeSeconds: number
  /** Told after a key was revoked, disabled or rotated (to drop what this process cached of it). */
  onKeyChanged?: (keyId: string) => void
}

function notFound (keyId: string): Error {
  return new errors.KG_ERR_NOT_FOUND(`key ${keyId}`)
}

export function createKeyAdmin ({ db, keys, revocationLifetimeSeconds, onKeyChanged = () => {} }: KeyAdminOptions): KeyAdmin {
  async function changeState (keyId: string, change: 'revoke' | 'disable' | 'enable', actor: Actor, reason?: string): Promise<StateChange> {
    const result = await withTransaction(db, async (tx): Promise<StateChange> => {
      const result = await setKeyState(tx, keyId, change, reason)
      if (!result) throw notFound(keyId)
      if (!result.changed) return result
      await appendAudit(tx, actor, `key.${change}`, keyId, { reason })
      if (change === 'enable') return result
      const { seq } = await recordRevocation(tx, 'key', keyId, revocationLifetimeSeconds)
      return { ...result, outboxSeq: seq }
    })
    onKeyChanged(keyId)
    return result
  }

  return {
    async create (input, actor) {
      return withTransaction(db, async (tx) => {
        const created = await keys.createKey(input, tx)
        await appendAudit(tx, actor, 'key.create', created.record.keyId, { details: { owner: input.owner, scopes: input.scopes } })
        return created
      })
    },

    async update (keyId, patch, actor) {
      return withTransaction(db, async (tx) => {
        const record = await updateKey(tx, keyId, patch)
        if (!record) throw notFound(keyId)
        await appendAudit(tx, actor, 'key.update', keyId, { details: { fields: Object.keys(patch).filter((k) => patch[k as keyof KeyPatch] !== undefined) } })
        return record
      })
    },

    revoke: (keyId, reason, actor) => changeState(keyId, 'revoke', actor, reason),
    disable: (keyId, actor) => changeState(keyId, 'disable', actor),
    enable: (keyId, actor) => changeState(keyId, 'enable', actor),

    async rotate (keyId, gracePeriodSeconds, actor) {
      const previous = await findKey(db, keyId)
      if (!previous) throw notFound(keyId)
      if (previous.revokedAt) throw new errors.KG_ERR_REQUEST_INVALID(`key ${keyId} is revoked and cannot be rotated`)
      return withTransaction(db, async (tx) => {
        const created = await keys.createKey({
          name: previous.name,
          owner: previous.owner,
          scopes: previous.scopes,
          audiences: previous.audiences,
          ipAllowlist: previous.ipAllowlist,
          metadata: previous.metadata,
          expiresAt: previous.expiresAt,
          prefix: previous.prefix,
          rotatedFrom: previous.keyId
        }, tx)
        await expireKeyAt(tx, keyId, new Date(Date.now() + gracePeriodSeconds * 1000))
        await appendAudit(tx, actor, 'key.rotate', keyId, { details: { successor: created.record.keyId, gracePeriodSeconds } })
        return { ...created, previous }
      }).finally(() => onKeyChanged(keyId))
    },

    async revokeOwner (owner, reason, actor) {
      return withTransaction(db, async (tx) => {
        const keyIds = await lockUnrevokedKeysOf(tx, owner)
        for (const keyId of keyIds) {
          await setKeyState(tx, keyId, 'revoke', reason)
          await appendAudit(tx, actor, 'key.revoke', keyId, { reason, details: { via: 'owner' } })
        }
        const { seq } = await recordRevocation(tx, 'owner', owner, revocationLifetimeSeconds)
        await appendAudit(tx, actor, 'owner.revoke', owner, { reason, details: { keys: keyIds } })
        return { revoked: keyIds, outboxSeq: seq }
      }).then((result) => {
        for (const keyId of result.revoked) onKeyChanged(keyId)
        return result
      })
    }
  }
}
