// Every token the gateway mints must fit what every verifier accepts. A token's length is fixed but for
// the claims a key contributes (owner, scopes, audiences); those are bounded here, in JSON bytes, so that
// the largest key allowed still yields a token within MAX_TOKEN_LENGTH.

/** Longest token a verifier looks at, in characters. */
export const MAX_TOKEN_LENGTH = 4096

// What the rest of a token may take, at most, in characters of its compact form:
// - the protected header, base64url: {"alg":"EdDSA","typ":"at+jwt","kid":<up to 128>} is under 250;
// - the signature, base64url: 342 for a 2048-bit RSA signature, 86 for Ed25519 and ES256;
// - the other claims, in JSON bytes: iss (up to 256), client_id (up to 64), jti, iat, nbf, exp, kgen and
//   punctuation, under 600.
const HEADER_CHARS = 250
const SIGNATURE_CHARS = 342
const OTHER_CLAIMS_BYTES = 600
const PAYLOAD_BYTES = Math.floor((MAX_TOKEN_LENGTH - HEADER_CHARS - SIGNATURE_CHARS - 2) * 3 / 4)

/** Largest JSON size of what a key puts in its tokens: `sub` (its owner), `scope` and `aud`. */
export const MAX_KEY_CLAIMS_BYTES = PAYLOAD_BYTES - OTHER_CLAIMS_BYTES

/** Longest audience a key can name, and the gateway's default audience (the `aud` of a key naming none). */
export const MAX_AUDIENCE_LENGTH = 256

/**
 * JSON bytes of the claims a key contributes to its largest token: every scope, every audience (or, for
 * a key naming none, the longest default audience there can be) and its owner.
 */
export function keyClaimsBytes (key: { owner: string, scopes: readonly string[], audiences: readonly string[] }): number {
  const aud = key.audiences.length === 0 ? 'x'.repeat(MAX_AUDIENCE_LENGTH) : key.audiences
  return new TextEncoder().encode(JSON.stringify({ sub: key.owner, scope: key.scopes.join(' '), aud })).length
}
