// Hand-made JWTs for negative tests: any header, any claims, signed with any key or not at all.
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'

const b64 = (value: object | string): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

export function forgeJwt (header: Record<string, unknown>, claims: Record<string, unknown>, signer: { ed25519?: KeyObject, hmacSecret?: string } = {}): string {
  const input = `${b64(header)}.${b64(claims)}`
  if (signer.ed25519) return `${input}.${sign(null, Buffer.from(input), signer.ed25519).toString('base64url')}`
  if (signer.hmacSecret !== undefined) return `${input}.${createHmac('sha256', signer.hmacSecret).update(input).digest('base64url')}`
  return `${input}.`
}

export function foreignEd25519Key (): KeyObject {
  return generateKeyPairSync('ed25519').privateKey
}
