// The signature of a compact JWS, checked by node:crypto: on the event loop, or on libuv's thread pool
// (crypto.verify with a callback), where another core verifies while the loop serves (check-placement.ts
// picks). Each key is imported once, as a KeyObject of the type its algorithm needs.
import { type KeyObject, createPublicKey, verify } from 'node:crypto'
import type { SigningAlgorithm } from '@keygate/protocol'

// JWS algorithms (RFC 7518 §3, RFC 8037) as node:crypto takes them: the digest (none for Ed25519), the key
// type, and ES256's signature encoding (r || s, not DER).
const NODE: Readonly<Record<SigningAlgorithm, { digest: string | null, keyType: string, dsaEncoding?: 'ieee-p1363' }>> = {
  EdDSA: { digest: null, keyType: 'ed25519' },
  ES256: { digest: 'sha256', keyType: 'ec', dsaEncoding: 'ieee-p1363' },
  RS256: { digest: 'sha256', keyType: 'rsa' }
}

// A compact JWS is three base64url segments (RFC 7515 §7.1), and nothing else.
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/

/** Whether `token` has the shape of a compact JWS: three base64url segments, nothing else. */
export function isCompactJws (token: string): boolean {
  return COMPACT_JWS.test(token)
}

/** Whether the signature of a token (a compact JWS, isCompactJws) by the key's algorithm covers its header and payload. */
export interface SignatureKey {
  /** On the event loop. */
  verifiesNow (token: string): boolean
  /** On libuv's thread pool. */
  verifies (token: string): Promise<boolean>
}

function parts (token: string): { input: Buffer, signature: Buffer } {
  const dot = token.lastIndexOf('.')
  return { input: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') }
}

/** A key from its SPKI PEM; throws when the PEM is not a public key of `alg`'s type. */
export function importSignatureKey (pem: string, alg: SigningAlgorithm): SignatureKey {
  const { digest, keyType, dsaEncoding } = NODE[alg]
  const key: KeyObject = createPublicKey(pem)
  if (key.asymmetricKeyType !== keyType) throw new Error(`a ${String(key.asymmetricKeyType)} key cannot verify ${alg}`)
  const verifying = dsaEncoding === undefined ? key : { key, dsaEncoding }
  return {
    verifiesNow (token) {
      const { input, signature } = parts(token)
      return verify(digest, input, verifying, signature)
    },
    verifies: (token) => new Promise((resolve, reject) => {
      const { input, signature } = parts(token)
      verify(digest, input, verifying, signature, (err, valid) => {
        if (err) reject(err)
        else resolve(valid)
      })
    })
  }
}
