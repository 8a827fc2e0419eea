import { describe, expect, it } from 'vitest'
import { createVerifiedCache } from './verified-cache.ts'

function counter (result = true) {
  const calls = { n: 0 }
  return { calls, verify: async () => { calls.n++; return result } }
}

describe('createVerifiedCache', () => {
  it('verifies once per secret and hash within the window', async () => {
    let clock = 0
    const cache = createVerifiedCache(1000, 10, () => clock)
    const v = counter()
    expect(await cache.check('k1', 'secret', 'hash-a', v.verify)).toBe(true)
    expect(await cache.check('k1', 'secret', 'hash-a', v.verify)).toBe(true)
    expect(v.calls.n).toBe(1)
    await cache.check('k1', 'other', 'hash-a', v.verify)
    await cache.check('k1', 'secret', 'hash-b', v.verify)
    expect(v.calls.n).toBe(3)
    clock = 1000
    await cache.check('k1', 'secret', 'hash-a', v.verify)
    expect(v.calls.n).toBe(4)
  })

  it('shares one verification among concurrent presentations of a secret', async () => {
    const cache = createVerifiedCache(1000, 10)
    const v = counter()
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.check('k1', 's', 'h', v.verify)))
    expect(results.every(Boolean)).toBe(true)
    expect(v.calls.n).toBe(1)
  })

  it('never remembers a failed verification', async () => {
    const cache = createVerifiedCache(1000, 10)
    const v = counter(false)
    expect(await cache.check('k1', 's', 'h', v.verify)).toBe(false)
    expect(await cache.check('k1', 's', 'h', v.verify)).toBe(false)
    expect(v.calls.n).toBe(2)
  })

  it('forgets every entry of a key, and stays within its bound', async () => {
    const cache = createVerifiedCache(60_000, 3)
    const v = counter()
    await cache.check('k1', 's1', 'h', v.verify)
    await cache.check('k2', 's1', 'h', v.verify)
    cache.forget('k1')
    await cache.check('k1', 's1', 'h', v.verify)
    await cache.check('k2', 's1', 'h', v.verify)
    expect(v.calls.n).toBe(3)
    for (let i = 0; i < 10; i++) await cache.check(`k${i}`, 's', 'h', v.verify)
    expect(cache.size).toBe(3)
  })

  it('is off with a zero window, but still shares concurrent verifications', async () => {
    const cache = createVerifiedCache(0, 10)
    const v = counter()
    await cache.check('k', 's', 'h', v.verify)
    await cache.check('k', 's', 'h', v.verify)
    expect(v.calls.n).toBe(2)
  })

  it('recognises a presentation that verified, past its window until the recognition window ends; a guess never', async () => {
    let clock = 0
    const cache = createVerifiedCache(1000, 10, () => clock, 5000)
    const told: boolean[] = []
    const verify = (valid: boolean) => async (recognised: boolean) => { told.push(recognised); return valid }
    await cache.check('k', 's', 'h', verify(true))
    clock = 2000
    await cache.check('k', 's', 'h', verify(true))
    await cache.check('k', 'guess', 'h', verify(false))
    await cache.check('k', 'guess', 'h', verify(false))
    clock = 2000 + 5000
    await cache.check('k', 's', 'h', verify(true))
    expect(told).toEqual([false, true, false, false, false])
    cache.forget('k')
    clock += 1000
    await cache.check('k', 's', 'h', verify(true))
    expect(told.at(-1)).toBe(false)
  })
})
