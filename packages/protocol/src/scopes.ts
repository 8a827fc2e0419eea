// Scope strings (RFC 6749 §3.3): parsing, formatting and subset checks shared by gateway and verifier.

/** Largest number of scopes a key or a token may carry. */
export const MAX_SCOPES = 64

/** A scope token: printable ASCII without space, quote or backslash (RFC 6749 §3.3), bounded. */
export const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/

/**
 * Splits a space-separated scope string into distinct scopes, keeping their order.
 *
 * @example parseScope('orders:read  orders:write') // ['orders:read', 'orders:write']
 */
export function parseScope (scope: string | undefined): string[] {
  if (scope === undefined) return []
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))]
}

/**
 * Joins scopes into the space-separated form used in the `scope` claim.
 *
 * @example formatScope(['a', 'b']) // 'a b'
 */
export function formatScope (scopes: readonly string[]): string {
  return scopes.join(' ')
}

/** True when every scope is a well-formed scope token. */
export function isValidScopeList (scopes: readonly string[]): boolean {
  return scopes.length <= MAX_SCOPES && scopes.every((s) => SCOPE_PATTERN.test(s))
}

/**
 * The scopes of `requested` that `granted` lacks; empty when `requested` is a subset.
 *
 * @example missingScopes(['a', 'c'], ['a', 'b']) // ['c']
 */
export function missingScopes (requested: readonly string[], granted: readonly string[]): string[] {
  const have = new Set(granted)
  return requested.filter((s) => !have.has(s))
}
