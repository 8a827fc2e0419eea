// The API key wire format: <prefix>_<keyId>_<secret><checksum> (docs/key-format.md).
import { crc32 } from 'node:zlib'
import { encodeBase62, randomBase62 } from './base62.ts'

export const KEY_ID_LENGTH = 12
/** 43 base62 characters carry 256.03 bits. */
export const SECRET_LENGTH = 43
export const CHECKSUM_LENGTH = 6
/** Longest keyId accepted (generated ones have KEY_ID_LENGTH). */
export const MAX_KEY_ID_LENGTH = 64
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

// The whole shape in one anchored pattern: the prefix holds exactly one `_`, keyId and tail none, so the
// split is unambiguous. The tail is the secret and the checksum.
const KEY_PATTERN = new RegExp(`^(${PREFIX_PATTERN.source.slice(1, -1)})_([0-9A-Za-z]{1,${MAX_KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH},})$`)

/**
 * Splits a presented key and checks its checksum; `undefined` for anything malformed.
 * Costs one CRC32 at most: no database, no hashing. The checksum is compared as a plain string: it is
 * computed from the presented characters alone and guards no secret, so its timing tells nothing.
 */
export function parseApiKey (candidate: string): ApiKeyParts | undefined {
  if (candidate.length > MAX_API_KEY_LENGTH) return undefined
  const match = KEY_PATTERN.exec(candidate)
  if (!match) return undefined
  const [, prefix = '', keyId = '', tail = ''] = match
  if (computeChecksum(candidate.slice(0, -CHECKSUM_LENGTH)) !== candidate.slice(-CHECKSUM_LENGTH)) return undefined
  return { prefix, keyId, secret: tail.slice(0, -CHECKSUM_LENGTH) }
}

/** What a list shows of a key: never more than its last four characters. */
export function lastFour (key: string): string {
  return key.slice(-4)
}
