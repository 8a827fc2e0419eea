// What a change to a key's policy takes away, and what the audit log records of it.
import type { ApiKeyRecord, KeyPatch } from './store.ts'

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
