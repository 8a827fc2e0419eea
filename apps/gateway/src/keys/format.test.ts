import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CHECKSUM_LENGTH, MAX_API_KEY_LENGTH, PREFIX_PATTERN, SECRET_LENGTH, computeChecksum, formatApiKey, generateApiKey, lastFour, parseApiKey } from './format.ts'
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

  // Each case has a correct checksum: only the rule named can refuse it.
  const withChecksum = (body: string): string => body + computeChecksum(body)
  const secret = 'x'.repeat(SECRET_LENGTH)
  it.each([
    ['an upper-case prefix', `KG_live_abc_${secret}`],
    ['a prefix without an environment', `kglive_abc_${secret}`],
    ['a prefix name starting with a digit', `1kg_live_abc_${secret}`],
    ['a prefix name over 16 characters', `${'k'.repeat(17)}_live_abc_${secret}`],
    ['a prefix environment over 16 characters', `kg_${'l'.repeat(17)}_abc_${secret}`],
    ['an empty prefix', `_abc_${secret}`],
    ['an empty keyId', `kg_live__${secret}`],
    ['a keyId over 64 characters', `kg_live_${'a'.repeat(65)}_${secret}`],
    ['a keyId that is not base62', `kg_live_ab-c_${secret}`],
    ['a secret one character short', `kg_live_abc_${secret.slice(1)}`],
    ['a secret that is not base62', `kg_live_abc_${secret.slice(1)}+`],
    ['no separator at all', `kglive${secret}`]
  ])('refuses %s even with a valid checksum', (_name, body) => {
    expect(parseApiKey(withChecksum(body))).toBeUndefined()
  })

  it('takes the longest parts the format allows, and a key of exactly MAX_API_KEY_LENGTH characters, not one more', () => {
    expect(parseApiKey(withChecksum(`${'k'.repeat(16)}_${'l'.repeat(16)}_${'a'.repeat(64)}_${secret}`))).toMatchObject({ keyId: 'a'.repeat(64) })
    const fill = (length: number): string => `kg_live_abc_${'s'.repeat(length - 'kg_live_abc_'.length - CHECKSUM_LENGTH)}`
    expect(withChecksum(fill(MAX_API_KEY_LENGTH))).toHaveLength(MAX_API_KEY_LENGTH)
    expect(parseApiKey(withChecksum(fill(MAX_API_KEY_LENGTH)))).toBeDefined()
    expect(parseApiKey(withChecksum(fill(MAX_API_KEY_LENGTH + 1)))).toBeUndefined()
  })

  it('shows the last four characters of a key, no more', () => {
    expect(lastFour('kg_live_abc_0123456789')).toBe('6789')
  })

  it('returns the secret without its checksum', () => {
    expect(parseApiKey(withChecksum(`kg_live_abc_${secret}`))?.secret).toBe(secret)
  })

  it('never throws on arbitrary or near-valid input, and accepts only what it can format back', () => {
    // Pieces that are valid, or valid but for one character or one too many: the checksum is always right.
    const base62 = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...BASE62_ALPHABET), minLength: min, maxLength: max })
    const spoiled = (piece: fc.Arbitrary<string>) => fc.oneof(piece, fc.tuple(piece, fc.constantFrom('-', '_', ' ', 'é', '\0'), fc.nat(80))
      .map(([text, c, at]) => text.slice(0, at % (text.length + 1)) + c + text.slice(at % (text.length + 1))))
    const prefix = spoiled(fc.constantFrom('kg_live', 'kg_test', 'acme_prod', 'a_b', `${'k'.repeat(16)}_live`, `kg_${'l'.repeat(17)}`, 'KG_live', 'kg'))
    const nearValid = fc.tuple(prefix, spoiled(base62(0, 66)), spoiled(base62(41, 60))).map(([p, keyId, tail]) => withChecksum(`${p}_${keyId}_${tail}`))
    let accepted = 0
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), nearValid), (s) => {
      const parsed = parseApiKey(s)
      if (parsed === undefined) return
      accepted++
      expect(formatApiKey(parsed)).toBe(s)
      expect(PREFIX_PATTERN.test(parsed.prefix)).toBe(true)
      expect(parsed.secret.length).toBeGreaterThanOrEqual(SECRET_LENGTH)
    }), { numRuns: 3000, seed: 2026 })
    // The generator reaches the accepting side too, so the property is not about refusals only.
    expect(accepted).toBeGreaterThan(0)
  })
})
