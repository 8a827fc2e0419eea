import { describe, expect, it } from 'vitest'
import { countKeys, formatPropagation, formatTime, keyIdOf } from './format.ts'

describe('console formatting', () => {
  it('says how far a revocation travelled, and what no report means', () => {
    expect(formatPropagation({ applied: 2, live: 2, complete: true, ms: 4 })).toBe('reached 2/2 verifiers in 4 ms')
    expect(formatPropagation({ applied: 1, live: 1, complete: true, ms: 0 })).toBe('reached 1/1 verifier in 0 ms')
    expect(formatPropagation({ applied: 1, live: 3, complete: false, ms: 5000 })).toBe('reached 1/3 verifiers in 5000 ms: not every verifier confirmed yet')
    expect(formatPropagation({ applied: 0, live: 0, complete: false, ms: 0 })).toMatch(/^No verifier is listening/)
    expect(formatPropagation(undefined)).toMatch(/^No propagation report/)
  })

  it('finds the keyId in a keyId, a start or a whole key, and nothing in anything else', () => {
    const secret = 'A'.repeat(49)
    expect(keyIdOf('4f8Ab2Kq9Zt1')).toBe('4f8Ab2Kq9Zt1')
    expect(keyIdOf(`  kg_live_4f8Ab2Kq9Zt1_${secret}\n`)).toBe('4f8Ab2Kq9Zt1')
    expect(keyIdOf('kg_test_4f8Ab2Kq9Zt1_…7Bb4')).toBe('4f8Ab2Kq9Zt1')
    expect(keyIdOf('kg_live_4f8Ab2Kq9Zt1_short')).toBeUndefined()
    expect(keyIdOf('<img src=x>')).toBeUndefined()
    // The tail of a key (secret and checksum, 49 characters) is not taken for a key ID.
    expect(keyIdOf(secret)).toBeUndefined()
    expect(keyIdOf('')).toBeUndefined()
  })

  it('writes times in UTC to the second and counts keys in words', () => {
    expect(formatTime('2026-12-03T10:21:59.123Z')).toBe('2026-12-03 10:21:59 UTC')
    expect(formatTime(null)).toBe('—')
    expect(countKeys(1)).toBe('1 key')
    expect(countKeys(3)).toBe('3 keys')
  })
})
