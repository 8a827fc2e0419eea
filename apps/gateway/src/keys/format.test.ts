import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { computeChecksum, formatApiKey, generateApiKey, parseApiKey } from './format.ts'
import { BASE62_ALPHABET } from './base62.ts'

describe('checksum', () => {
  it.each([
    ['kg_live_4f8Ab2Kq9Zt1_8nW2rXc5Vb7Lq0Pz3Ht6Ys9Fd1Gk4Mj7Aa2Ee5Ii8Oo1Uu4Yy7Bb', '4ESe2p'],
    [`kg_test_000000000000_${'0'.repeat(43)}`, '28mXXw'],
    [`kg_live_Z_${'z'.repeat(43)}`, '112Tx0']
  ])('matches the vector of docs/key-format.md for %s', (body, checksum) => {
    expect(computeChecksum(body)).toBe(checksum)
  })
})

describe('parseApiKey', () => {
  it('round-trips a generated key', () => {
    for (let i = 0; i < 200; i++) {
      const { key, prefix, keyId, secret } = generateApiKey('kg_live')
      expect(parseApiKey(key)).toEqual({ prefix, keyId, secret })
    }
  })

  it('generates 12-character keyIds and 43-character secrets from the base62 alphabet', () => {
    const { keyId, secret, key } = generateApiKey('kg_test')
    expect(keyId).toMatch(/^[0-9A-Za-z]{12}$/)
    expect(secret).toMatch(/^[0-9A-Za-z]{43}$/)
    expect(key.startsWith(`kg_test_${keyId}_${secret}`)).toBe(true)
  })

  it('refuses every single-character change of a key', () => {
    const { key } = generateApiKey('kg_live')
    const alphabet = `${BASE62_ALPHABET}_-`
    for (let i = 0; i < key.length; i++) {
      for (const c of alphabet) {
        if (c === key[i]) continue
        const changed = key.slice(0, i) + c + key.slice(i + 1)
        expect(parseApiKey(changed), changed).toBeUndefined()
      }
    }
  })

  it('refuses truncated, extended and overlong keys', () => {
    const { key } = generateApiKey('kg_live')
    expect(parseApiKey(key.slice(0, -1))).toBeUndefined()
    expect(parseApiKey(`${key}0`)).toBeUndefined()
    expect(parseApiKey('a'.repeat(10_000))).toBeUndefined()
    expect(parseApiKey('')).toBeUndefined()
    expect(parseApiKey('kg_live__')).toBeUndefined()
  })

  it('accepts a key built from valid parts with a custom prefix', () => {
    const key = formatApiKey({ prefix: 'acme_prod', keyId: 'abc', secret: 'x'.repeat(43) })
    expect(parseApiKey(key)).toEqual({ prefix: 'acme_prod', keyId: 'abc', secret: 'x'.repeat(43) })
  })

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      const parsed = parseApiKey(s)
      if (parsed !== undefined) expect(formatApiKey(parsed)).toBe(s)
    }), { numRuns: 2000 })
  })
})
