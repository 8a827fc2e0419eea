// RFC 7638 JWK thumbprints: the name of a signing key (its kid) and of a keypair key's public key.
import { createHash } from 'node:crypto'

interface PublicMembers { kty?: string, crv?: string, x?: string, y?: string, n?: string, e?: string }

/** base64url(SHA-256 of the key type's required members, in lexicographic order, no whitespace). */
export function thumbprint (jwk: PublicMembers): string {
  const canonical = jwk.kty === 'RSA'
    ? JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })
    : jwk.kty === 'EC'
      ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
      : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })
  return createHash('sha256').update(canonical).digest('base64url')
}
