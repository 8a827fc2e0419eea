import argon2 from 'argon2'
import { describe, expect, it, vi } from 'vitest'
import { OWASP_ARGON2_PARAMS, createArgon2Hasher } from './hashing.ts'

describe('createArgon2Hasher', () => {
  const hasher = createArgon2Hasher()

  it('produces an Argon2id PHC string with at least the OWASP parameters', async () => {
    const phc = await hasher.hash('s3cret')
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(phc).not.toContain('s3cret')
  })

  it('verifies the right secret and refuses a wrong one', async () => {
    const phc = await hasher.hash('right')
    expect(await hasher.verify(phc, 'right')).toBe(true)
    expect(await hasher.verify(phc, 'wrong')).toBe(false)
  })

  it('refuses a corrupt hash instead of throwing', async () => {
    expect(await hasher.verify('$argon2id$garbage', 'x')).toBe(false)
  })

  it('asks for a rehash when the configured parameters are raised', async () => {
    const phc = await hasher.hash('x')
    expect(hasher.needsRehash(phc)).toBe(false)
    const stronger = createArgon2Hasher({ ...OWASP_ARGON2_PARAMS, timeCost: 3 })
    expect(stronger.needsRehash(phc)).toBe(true)
  })

  it('parses a stored hash once for its rehash answer, however often the key is exchanged', async () => {
    const phc = await hasher.hash('warm')
    const parse = vi.spyOn(argon2, 'needsRehash')
    try {
      const fresh = createArgon2Hasher()
      const stronger = createArgon2Hasher({ ...OWASP_ARGON2_PARAMS, timeCost: 3 })
      expect([fresh.needsRehash(phc), fresh.needsRehash(phc), fresh.needsRehash(phc)]).toEqual([false, false, false])
      expect([stronger.needsRehash(phc), stronger.needsRehash(phc)]).toEqual([true, true])
      expect(parse).toHaveBeenCalledTimes(2)
    } finally {
      parse.mockRestore()
    }
  })
})
