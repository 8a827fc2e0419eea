import { describe, expect, it } from 'vitest'
import { ALL_GENERATIONS, decodeRevocation, encodeRevocation, revocationKeys } from './revocation.ts'

describe('revocation codec', () => {
  const message = { seq: 7, epoch: 'e1', kind: 'key' as const, subject: 'abc', generation: 3, expiresAt: 1_700_003_630_000 }

  it('round-trips a message of every kind', () => {
    expect(decodeRevocation(encodeRevocation(message))).toEqual(message)
    expect(decodeRevocation(encodeRevocation({ ...message, generation: ALL_GENERATIONS }))).toEqual({ ...message, generation: ALL_GENERATIONS })
    for (const kind of ['token', 'signing-key'] as const) {
      expect(decodeRevocation(encodeRevocation({ ...message, kind, generation: 0 }))).toEqual({ ...message, kind, generation: 0 })
    }
  })

  it.each([
    '', 'null', '{}', '[1,2,3]', '[1.5,"e","key","a",1,2]', '[1,"e","owner","a",1,2]', '[1,"e","key",5,1,2]', '[1,"e","key","a","x",2]',
    '[1,"e","key","a",1.5,2]', '[1,"e","key","a",-1,2]', '[1,"e","key","a",1,"x"]', '[1,5,"key","a",1,2]', '[1,"e","key","a",1,2,3]',
    '[1,"e","key","a",9007199254740992,2]'
  ])('refuses %s', (text) => {
    expect(decodeRevocation(text)).toBeUndefined()
  })

  it('names every Redis key under the prefix', () => {
    for (const name of Object.values(revocationKeys('t1:'))) expect(name.startsWith('t1:')).toBe(true)
  })
})
