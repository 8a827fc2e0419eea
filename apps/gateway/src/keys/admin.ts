// Admin mutations of keys: each one a transaction that locks what it changes, changes the key, records the
// revocation its tokens must honour (with its outbox row) and appends to the audit log, so that none of
// these can be lost alone and no two changes of one key or one owner interleave.
import type pg from 'pg'
import { ALL_GENERATIONS, keyRevocationLifetimeSeconds } from '@keygate/protocol'
import { type Actor, appendAudit } from '../audit/store.ts'
import { withTransaction } from '../db/transaction.ts'
import { errors } from '../errors.ts'
import { recordRevocation } from '../revocation/store.ts'
import { checkTokenBudget, narrowsPolicy, policyChanges } from './policy.ts'
import type { ClientPublicKey } from './public-keys.ts'
import type { CreateKeyInput, CreatedKey, KeyService } from './service.ts'
import {
  type ApiKeyRecord, type KeyPatch, addPublicKey, expireKeyAt, findKey, hasSuccessor, insertKey, lockKey, lockOwner, lockUnrevokedKeysOf, setKeyState, updateKey
} from './store.ts'
import { stateOf } from './view.ts'

/** The result of a change; `outboxSeq` names the revocation it recorded, if any. */
export interface KeyChange {
  record: ApiKeyRecord
  changed: boolean
  outboxSeq?: string
}

export interface KeyAdmin {
  create (input: CreateKeyInput, actor: Actor): Promise<CreatedKey>
  /** Narrowing scopes or audiences revokes the key's outstanding tokens. */
  update (keyId: string, patch: KeyPatch, actor: Actor): Promise<KeyChange>
  revoke (keyId: string, reason: string | undefined, actor: Actor): Promise<KeyChange>
  disable (keyId: string, actor: Actor): Promise<KeyChange>
  enable (keyId: string, actor: Actor): Promise<KeyChange>
  /** A secret key gets a successor (a new keyId and secret); a keypair key, `nextPublicKey` beside the ones it has. */
  rotate (keyId: string, gracePeriodSeconds: number, actor: Actor, nextPublicKey?: ClientPublicKey): Promise<CreatedKey & { previous: ApiKeyRecord }>
  revokeOwner (owner: string, reason: string | undefined, actor: Actor): Promise<{ revoked: string[], outboxSeq?: string }>
}

export interface KeyAdminOptions {
  db: pg.Pool
  keys: KeyService
  /** Told after a key changed (to drop what this process cached of it). */
  onKeyChanged?: (keyId: string) => void
}

function notFound (keyId: string): Error {
  return new errors.KG_ERR_NOT_FOUND(`key ${keyId}`)
}

/** Voids the tokens of a key below `generation` (ALL_GENERATIONS: every one). */
function revokeGenerations (tx: pg.PoolClient, keyId: string, generation: number): Promise<{ seq: string }> {
  return recordRevocation(tx, { kind: 'key', subject: keyId, generation, lifetimeSeconds: keyRevocationLifetimeSeconds() })
}

export function createKeyAdmin ({ db, keys, onKeyChanged = () => {} }: KeyAdminOptions): KeyAdmin {
  // The state change of one key, its row locked: checked against the state it is in when it runs.
  async function changeState (keyId: string, change: 'revoke' | 'disable' | 'enable', actor: Actor, reason?: string): Promise<KeyChange> {
    const result = await withTransaction(db, async (tx): Promise<KeyChange> => {
      const current = await lockKey(tx, keyId)
      if (!current) throw notFound(keyId)
      if (current.revokedAt !== null) {
        if (change === 'revoke') return { record: current, changed: false }
        throw new errors.KG_ERR_CONFLICT(`key ${keyId} is revoked: revocation is final`)
      }
      const already = change === 'disable' ? current.disabledAt !== null : change === 'enable' && current.disabledAt === null
      if (already) return { record: current, changed: false }
      const record = await setKeyState(tx, keyId, change, reason)
      await appendAudit(tx, actor, `key.${change}`, keyId, { reason })
      if (change === 'enable') return { record, changed: true }
      // A disable raised the generation: the tokens of every earlier one are void, however late they were signed.
      const { seq } = await revokeGenerations(tx, keyId, change === 'revoke' ? ALL_GENERATIONS : record.generation)
      return { record, changed: true, outboxSeq: seq }
    })
    onKeyChanged(keyId)
    return result
  }

  return {
    async create (input, actor) {
      checkTokenBudget({ owner: input.owner, scopes: input.scopes, audiences: input.audiences ?? [] })
      const prepared = await keys.prepareKey(input)
      return withTransaction(db, async (tx) => {
        await lockOwner(tx, input.owner)
        const record = await insertKey(tx, prepared.row, prepared.publicKey)
        await appendAudit(tx, actor, 'key.create', record.keyId, {
          details: { owner: record.owner, scopes: record.scopes, audiences: record.audiences, credential: record.credential, ...(prepared.publicKey ? { thumbprint: prepared.publicKey.thumbprint } : {}) }
        })
        return { key: prepared.key, record }
      })
    },

    async update (keyId, patch, actor) {
      const result = await withTransaction(db, async (tx): Promise<KeyChange> => {
        const before = await lockKey(tx, keyId)
        if (!before) throw notFound(keyId)
        checkTokenBudget({ owner: before.owner, scopes: patch.scopes ?? before.scopes, audiences: patch.audiences ?? before.audiences })
        const narrowed = narrowsPolicy(before, patch)
        const record = await updateKey(tx, keyId, patch, narrowed) as ApiKeyRecord
        await appendAudit(tx, actor, 'key.update', keyId, { details: { changes: policyChanges(before, record), revokedTokens: narrowed } })
        if (!narrowed) return { record, changed: true }
        const { seq } = await revokeGenerations(tx, keyId, record.generation)
        return { record, changed: true, outboxSeq: seq }
      })
      onKeyChanged(keyId)
      return result
    },

    revoke: (keyId, reason, actor) => changeState(keyId, 'revoke', actor, reason),
    disable: (keyId, actor) => changeState(keyId, 'disable', actor),
    enable: (keyId, actor) => changeState(keyId, 'enable', actor),

    async rotate (keyId, gracePeriodSeconds, actor, nextPublicKey) {
      const seen = await findKey(db, keyId)
      if (!seen) throw notFound(keyId)
      if ((seen.credential === 'keypair') !== (nextPublicKey !== undefined)) {
        throw new errors.KG_ERR_REQUEST_INVALID(seen.credential === 'keypair' ? 'a keypair key is rotated to a new public key' : 'a secret key is rotated to a new secret, not to a public key')
      }
      if (nextPublicKey !== undefined) {
        // A keypair key keeps its keyId: the next public key is added, the others accepted until the grace period ends.
        return withTransaction(db, async (tx) => {
          const previous = await lockKey(tx, keyId)
          if (!previous) throw notFound(keyId)
          const state = stateOf(previous)
          if (state !== 'active') throw new errors.KG_ERR_CONFLICT(`key ${keyId} is ${state} and cannot be rotated`)
          await addPublicKey(tx, keyId, nextPublicKey, gracePeriodSeconds)
          const record = await findKey(tx, keyId) as ApiKeyRecord
          await appendAudit(tx, actor, 'key.rotate', keyId, {
            details: { thumbprint: nextPublicKey.thumbprint, alg: nextPublicKey.alg, previous: previous.publicKeys.map((k) => k.thumbprint), gracePeriodSeconds }
          })
          return { key: '', record, previous }
        }).finally(() => onKeyChanged(keyId))
      }
      // The slow part first, outside the transaction; the policy is copied from the row once it is locked.
      const prepared = await keys.prepareKey({ name: seen.name, owner: seen.owner, scopes: [], prefix: seen.prefix })
      return withTransaction(db, async (tx) => {
        await lockOwner(tx, seen.owner)
        const previous = await lockKey(tx, keyId)
        if (!previous) throw notFound(keyId)
        const state = stateOf(previous)
        if (state !== 'active') throw new errors.KG_ERR_CONFLICT(`key ${keyId} is ${state} and cannot be rotated`)
        if (await hasSuccessor(tx, keyId)) throw new errors.KG_ERR_CONFLICT(`key ${keyId} was rotated already: rotate its successor`)
        const record = await insertKey(tx, {
          ...prepared.row,
          name: previous.name,
          scopes: previous.scopes,
          audiences: previous.audiences,
          ipAllowlist: previous.ipAllowlist,
          metadata: previous.metadata,
          expiresAt: previous.expiresAt,
          rotatedFrom: previous.keyId
        })
        await expireKeyAt(tx, keyId, new Date(Date.now() + gracePeriodSeconds * 1000))
        await appendAudit(tx, actor, 'key.rotate', keyId, { details: { successor: record.keyId, gracePeriodSeconds } })
        return { key: prepared.key, record, previous }
      }).finally(() => onKeyChanged(keyId))
    },

    async revokeOwner (owner, reason, actor) {
      const result = await withTransaction(db, async (tx) => {
        await lockOwner(tx, owner)
        const keyIds = await lockUnrevokedKeysOf(tx, owner)
        let outboxSeq: string | undefined
        for (const keyId of keyIds) {
          await setKeyState(tx, keyId, 'revoke', reason)
          ;({ seq: outboxSeq } = await revokeGenerations(tx, keyId, ALL_GENERATIONS))
          await appendAudit(tx, actor, 'key.revoke', keyId, { reason, details: { via: 'owner' } })
        }
        await appendAudit(tx, actor, 'owner.revoke', owner, { reason, details: { keys: keyIds } })
        return { revoked: keyIds, ...(outboxSeq === undefined ? {} : { outboxSeq }) }
      })
      for (const keyId of result.revoked) onKeyChanged(keyId)
      return result
    }
  }
}
