import { describe, expect, it } from 'vitest'
import { decodeRevocation, encodeRevocation, revocationKeys } from './revocation.ts'

describe('revocation codec', () => {
  const message = { seq: 7, epoch: 'e1', kind: 'key' as const, subject: 'abc', revokedAt: 1_700_000_000_000, expiresAt: 1_700_003_630_000 }

  it('round-trips a message', () => {
    expect(decodeRevocation(encodeRevocation(message))).toEqual(message)
  })

  it.each(['', 'null', '{}', '[1,2,3]', '[1.5,"e","key","a",1,2]', '[1,"e","user","a",1,2]', '[1,"e","key",5,1,2]', '[1,"e","key","a","x",2]'])('refuses %s', (text) => {
    expect(decodeRevocation(text)).toBeUndefined()
  })

  it('names every Redis key under the prefix', () => {
    for (const name of Object.values(revocationKeys('t1:'))) expect(name.startsWith('t1:')).toBe(true)
  })
})
