// What callers and operators see of a key: never the secret, never its hash.
import type { ApiKeyRecord, KeyPublicKey, KeyState } from './store.ts'

export interface KeyView {
  keyId: string
  name: string
  owner: string
  environment: string
  /** prefix, keyId and the last four characters: enough to recognise a key, not to use it. */
  start: string
  scopes: string[]
  audiences: string[]
  ipAllowlist: string[]
  metadata: Record<string, unknown>
  state: KeyState
  createdAt: string
  updatedAt: string
  expiresAt: string | null
  disabledAt: string | null
  revokedAt: string | null
  revokedReason: string | null
  lastUsedAt: string | null
  rotatedFrom: string | null
  credential: 'secret' | 'keypair'
  publicKeys: KeyPublicKey[]
}

export function stateOf (record: ApiKeyRecord, now = new Date()): KeyState {
  if (record.revokedAt) return 'revoked'
  if (record.disabledAt) return 'disabled'
  if (record.expiresAt && record.expiresAt <= now) return 'expired'
  return 'active'
}

export function viewKey (record: ApiKeyRecord): KeyView {
  return {
    keyId: record.keyId,
    name: record.name,
    owner: record.owner,
    environment: record.environment,
    start: record.credential === 'keypair' ? `${record.prefix}_${record.keyId}` : `${record.prefix}_${record.keyId}_…${record.last4}`,
    scopes: record.scopes,
    audiences: record.audiences,
    ipAllowlist: record.ipAllowlist,
    metadata: record.metadata,
    state: stateOf(record),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    disabledAt: record.disabledAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revokedReason: record.revokedReason,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    rotatedFrom: record.rotatedFrom,
    credential: record.credential,
    publicKeys: record.publicKeys
  }
}
