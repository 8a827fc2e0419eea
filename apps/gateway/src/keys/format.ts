// The API key wire format: <prefix>_<keyId>_<secret><checksum> (docs/key-format.md).
import { crc32 } from 'node:zlib'
import { BASE62_PATTERN, encodeBase62, randomBase62 } from './base62.ts'

export const KEY_ID_LENGTH = 12
/** 43 base62 characters carry 256.03 bits. */
export const SECRET_LENGTH = 43
export const CHECKSUM_LENGTH = 6
/** Longest string worth parsing; anything longer is refused before any work. */
export const MAX_API_KEY_LENGTH = 256
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}_[a-z0-9]{1,16}$/

export interface ApiKeyParts {
  prefix: string
  keyId: string
  secret: string
}

/** CRC32 (IEEE) of the UTF-8 body, as 6 base62 characters. */
export function computeChecksum (body: string): string {
  return encodeBase62(crc32(body), CHECKSUM_LENGTH)
}

/** Joins the parts and appends the checksum. */
export function formatApiKey ({ prefix, keyId, secret }: ApiKeyParts): string {
  const body = `${prefix}_${keyId}_${secret}`
  return body + computeChecksum(body)
}

/** A fresh key: random keyId, 256-bit secret. */
export function generateApiKey (prefix: string): ApiKeyParts & { key: string } {
  const parts = { prefix, keyId: randomBase62(KEY_ID_LENGTH), secret: randomBase62(SECRET_LENGTH) }
  return { ...parts, key: formatApiKey(parts) }
}

/** A fresh public keyId. */
export function generateKeyId (): string {
  return randomBase62(KEY_ID_LENGTH)
}

/**
 * Splits a presented key and checks its checksum; `undefined` for anything malformed.
 * Costs one CRC32 at most: no database, no hashing. The checksum is compared as a plain string: it is
 * computed from the presented characters alone and guards no secret, so its timing tells nothing.
 */
export function parseApiKey (candidate: string): ApiKeyParts | undefined {
  if (candidate.length > MAX_API_KEY_LENGTH) return undefined
  const last = candidate.lastIndexOf('_')
  const middle = last > 0 ? candidate.lastIndexOf('_', last - 1) : -1
  if (middle <= 0) return undefined
  const prefix = candidate.slice(0, middle)
  const keyId = candidate.slice(middle + 1, last)
  const tail = candidate.slice(last + 1)
  if (!PREFIX_PATTERN.test(prefix) || keyId.length === 0 || keyId.length > 64) return undefined
  if (tail.length < SECRET_LENGTH + CHECKSUM_LENGTH) return undefined
  if (!BASE62_PATTERN.test(keyId) || !BASE62_PATTERN.test(tail)) return undefined
  if (computeChecksum(candidate.slice(0, -CHECKSUM_LENGTH)) !== candidate.slice(-CHECKSUM_LENGTH)) return undefined
  return { prefix, keyId, secret: tail.slice(0, -CHECKSUM_LENGTH) }
}

/** What a list shows of a key: never more than its last four characters. */
export function lastFour (key: string): string {
  return key.slice(-4)
}
