// Base62 (alphabet 0-9A-Za-z): unbiased random strings and fixed-width integer encoding.
import { randomBytes } from 'node:crypto'

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

// 248 = 4 × 62: bytes at or above it are dropped so that every character is equally likely.
const UNBIASED_LIMIT = 248

/** A string of `length` base62 characters from the CSPRNG, each carrying log2(62) ≈ 5.95 bits. */
export function randomBase62 (length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte >= UNBIASED_LIMIT) continue
      out += BASE62_ALPHABET[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

/** `value` in base62, most significant digit first, left-padded with `0` to `width`. */
export function encodeBase62 (value: number, width: number): string {
  let out = ''
  let rest = value
  do {
    out = BASE62_ALPHABET[rest % 62] + out
    rest = Math.floor(rest / 62)
  } while (rest > 0)
  return out.padStart(width, '0')
}
