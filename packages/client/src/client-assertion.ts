// RFC 7523 client assertions for keypair keys: a fresh one per token request, signed with the private key
// that never leaves this process. Its audience is the gateway's issuer (draft-ietf-oauth-rfc7523bis).
import { type JsonWebKey, type KeyObject, createPrivateKey, randomUUID, sign } from 'node:crypto'

/** A private key: a KeyObject, a PKCS#8 PEM or a private JWK; Ed25519 or P-256. */
export type AssertionKey = KeyObject | string | JsonWebKey

export interface AssertionSigner {
  alg: 'EdDSA' | 'ES256'
  sign (input: string): Buffer
}

/** How long an assertion lives: short, it is used once. */
const ASSERTION_SECONDS = 60

export function assertionSigner (key: AssertionKey): AssertionSigner {
  const object = typeof key === 'string'
    ? createPrivateKey(key)
    : 'asymmetricKeyType' in key ? key as KeyObject : createPrivateKey({ key: key as JsonWebKey, format: 'jwk' })
  if (object.type !== 'private') throw new TypeError('privateKey must be a private key')
  if (object.asymmetricKeyType === 'ed25519') return { alg: 'EdDSA', sign: (input) => sign(null, Buffer.from(input), object) }
  if (object.asymmetricKeyType === 'ec' && object.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { alg: 'ES256', sign: (input) => sign('sha256', Buffer.from(input), { key: object, dsaEncoding: 'ieee-p1363' }) }
  }
  throw new TypeError('privateKey must be an Ed25519 or a P-256 key')
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

export function createClientAssertion (signer: AssertionSigner, clientId: string, audience: string, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000)
  const input = `${b64({ alg: signer.alg, typ: 'client-authentication+jwt' })}.${b64({ iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat, exp: iat + ASSERTION_SECONDS })}`
  return `${input}.${signer.sign(input).toString('base64url')}`
}
