// Private signing keys at rest: AES-256-GCM under the master key, bound to their kid as AAD.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const IV_BYTES = 12
const TAG_BYTES = 16

/** iv || tag || ciphertext */
export function sealPrivateKey (masterKey: Buffer, kid: string, der: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv).setAAD(Buffer.from(kid))
  const body = Buffer.concat([cipher.update(der), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body])
}

/** Throws when the master key is wrong or the row was tampered with (another kid, changed bytes). */
export function openPrivateKey (masterKey: Buffer, kid: string, sealed: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES)
  const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', masterKey, iv).setAAD(Buffer.from(kid))
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()])
}
