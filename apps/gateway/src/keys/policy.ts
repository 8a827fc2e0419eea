// What a key's policy may hold, what a change to it takes away, and what the audit log records of it.
import { MAX_KEY_CLAIMS_BYTES, MAX_TOKEN_LENGTH, keyClaimsBytes } from '@keygate/protocol'
import { errors } from '../errors.ts'
import type { ApiKeyRecord, KeyPatch } from './store.ts'

/** Throws KG_ERR_REQUEST_INVALID when the key's largest token would not fit what verifiers accept. */
export function checkTokenBudget (key: { owner: string, scopes: readonly string[], audiences: readonly string[] }): void {
  const bytes = keyClaimsBytes(key)
  if (bytes > MAX_KEY_CLAIMS_BYTES) {
    throw new errors.KG_ERR_REQUEST_INVALID(`owner, scopes and audiences take ${bytes} bytes of token claims, above ${MAX_KEY_CLAIMS_BYTES}: its tokens would be longer than the ${MAX_TOKEN_LENGTH} characters verifiers accept`)
  }
}

// A key listing no audience gets the gateway's default one: moving to a list takes the default away.
const DEFAULT_AUDIENCE = Symbol('default audience')

function effectiveAudiences (audiences: readonly string[]): Set<string | symbol> {
  return new Set<string | symbol>(audiences.length === 0 ? [DEFAULT_AUDIENCE] : audiences)
}

function takesAway<T> (before: Iterable<T>, after: Set<T>): boolean {
  for (const item of before) if (!after.has(item)) return true
  return false
}

/**
 * Whether `patch` takes a scope or an audience away from the key: its outstanding tokens then carry more
 * than the key may have, and are revoked. Widening takes nothing away.
 */
export function narrowsPolicy (key: Pick<ApiKeyRecord, 'scopes' | 'audiences'>, patch: KeyPatch): boolean {
  if (patch.scopes !== undefined && takesAway(key.scopes, new Set(patch.scopes))) return true
  return patch.audiences !== undefined && takesAway(effectiveAudiences(key.audiences), effectiveAudiences(patch.audiences))
}

const AUDITED = ['name', 'scopes', 'audiences', 'ipAllowlist', 'expiresAt', 'metadata'] as const

/** The fields a change altered, each with its old and new value: enough to reconstruct an escalation. */
export function policyChanges (before: ApiKeyRecord, after: ApiKeyRecord): Record<string, { from: unknown, to: unknown }> {
  const changes: Record<string, { from: unknown, to: unknown }> = {}
  for (const field of AUDITED) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[field] = { from: before[field], to: after[field] }
  }
  return changes
}
