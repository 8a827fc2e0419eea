// The public keys of keypair keys: taken as a JWK or an SPKI PEM, Ed25519 or P-256 only, kept as their
// public JWK members and named by their RFC 7638 thumbprint. A private key sent by mistake is refused,
// never stored. Generated pairs give the private half back once and keep only the public one.
import { type KeyObject, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { errors } from '../errors.ts'
import { thumbprint } from '../jwk.ts'

export const CLIENT_KEY_ALGORITHMS = ['EdDSA', 'ES256'] as const
export type ClientKeyAlgorithm = typeof CLIENT_KEY_ALGORITHMS[number]

export interface ClientPublicKey {
  thumbprint: string
  alg: ClientKeyAlgorithm
  jwk: { kty: 'OKP' | 'EC', crv: string, x: string, y?: string }
}

export interface GeneratedKeyPair {
  publicKey: ClientPublicKey
  /** Shown once, in the creation response; kept nowhere. */
  privateKey: { pem: string, jwk: Record<string, string> }
}

const MAX_PEM_LENGTH = 1024

function invalid (problem: string): Error {
  return new errors.KG_ERR_REQUEST_INVALID(`body.publicKey ${problem}`)
}

function describe (key: KeyObject): ClientPublicKey {
  const alg = key.asymmetricKeyType === 'ed25519'
    ? 'EdDSA'
    : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : undefined
  if (alg === undefined) throw invalid('must be an Ed25519 or a P-256 key')
  const exported = key.export({ format: 'jwk' })
  const jwk = alg === 'EdDSA'
    ? { kty: 'OKP' as const, crv: 'Ed25519', x: exported.x as string }
    : { kty: 'EC' as const, crv: 'P-256', x: exported.x as string, y: exported.y as string }
  return { thumbprint: thumbprint(jwk), alg, jwk }
}

/** A caller's public key, a JWK object or an SPKI PEM; throws KG_ERR_REQUEST_INVALID naming the problem. */
export function parsePublicKey (input: unknown): ClientPublicKey {
  if (typeof input === 'string') {
    if (input.length > MAX_PEM_LENGTH) throw invalid('is too long for an Ed25519 or P-256 public key')
    if (input.includes('PRIVATE KEY')) throw invalid('is a private key: send only the public key (the private one never leaves you)')
    if (!input.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) throw invalid('must be a JWK or an SPKI PEM (-----BEGIN PUBLIC KEY-----)')
    try {
      return describe(createPublicKey({ key: input, format: 'pem' }))
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'KG_ERR_REQUEST_INVALID') throw err
      throw invalid('is not a valid PEM public key')
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('must be a JWK or an SPKI PEM')
  const jwk = input as Record<string, unknown>
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) throw invalid('holds private key material: send only the public key (the private one never leaves you)')
  const { kty, crv, x, y } = jwk
  if (typeof kty !== 'string' || typeof crv !== 'string' || typeof x !== 'string' || (y !== undefined && typeof y !== 'string')) throw invalid('must be an OKP (Ed25519) or EC (P-256) JWK')
  try {
    return describe(createPublicKey({ key: { kty, crv, x, ...(y === undefined ? {} : { y }) }, format: 'jwk' }))
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'KG_ERR_REQUEST_INVALID') throw err
    throw invalid('is not a valid public JWK')
  }
}

/** A new pair: the public half to keep, the private half (PKCS#8 PEM and JWK) to show once. */
export function generateClientKeyPair (alg: ClientKeyAlgorithm): GeneratedKeyPair {
  const { publicKey, privateKey } = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const described = describe(publicKey)
  return {
    publicKey: described,
    privateKey: {
      pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      jwk: { ...privateKey.export({ format: 'jwk' }) as Record<string, string>, alg, kid: described.thumbprint }
    }
  }
}
