// The signature of a compact JWS, checked by WebCrypto: Node runs the check on libuv's thread pool, so the
// event loop keeps serving (cached tokens, other requests) while another core verifies. Each key is
// imported once, pinned to its algorithm, usable only to verify.
import { createPublicKey, webcrypto } from 'node:crypto'
import type { SigningAlgorithm } from '@keygate/protocol'

type ImportParams = Parameters<typeof webcrypto.subtle.importKey>[2]
type VerifyParams = Parameters<typeof webcrypto.subtle.verify>[0]

// JWS algorithms (RFC 7518 §3, RFC 8037) in WebCrypto's names.
const WEBCRYPTO: Readonly<Record<SigningAlgorithm, { key: ImportParams, verify: VerifyParams }>> = {
  EdDSA: { key: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
  ES256: { key: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  RS256: { key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } }
}

// A compact JWS is three base64url segments (RFC 7515 §7.1); nothing else, so no two strings carry one signature.
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/

/** Whether `token` has the shape of a compact JWS: three base64url segments, nothing else. */
export function isCompactJws (token: string): boolean {
  return COMPACT_JWS.test(token)
}

export interface SignatureKey {
  /** Whether `token`'s signature, by this key's algorithm, covers its header and payload. */
  verifies (token: string): Promise<boolean>
}

/** A key from its SPKI PEM; rejects when the PEM is not a key of `alg`. */
export async function importSignatureKey (pem: string, alg: SigningAlgorithm): Promise<SignatureKey> {
  const params = WEBCRYPTO[alg]
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' })
  const key = await webcrypto.subtle.importKey('spki', der, params.key, false, ['verify'])
  return {
    async verifies (token) {
      if (!isCompactJws(token)) return false
      const dot = token.lastIndexOf('.')
      return webcrypto.subtle.verify(params.verify, key, Buffer.from(token.slice(dot + 1), 'base64url'), Buffer.from(token.slice(0, dot)))
    }
  }
}
