import { describe, expect, it } from 'vitest'
import { createVerifiedCache } from './verified-cache.ts'

describe('createVerifiedCache', () => {
  it('remembers a verified secret for its hash, within the window only', () => {
    const cache = createVerifiedCache(1000, 10)
    cache.remember('k1', 'secret', 'hash-a', 0)
    expect(cache.has('k1', 'secret', 'hash-a', 500)).toBe(true)
    expect(cache.has('k1', 'other', 'hash-a', 500)).toBe(false)
    expect(cache.has('k1', 'secret', 'hash-b', 500)).toBe(false)
    cache.remember('k1', 'secret', 'hash-a', 0)
    expect(cache.has('k1', 'secret', 'hash-a', 1000)).toBe(false)
  })

  it('forgets every entry of a key', () => {
    const cache = createVerifiedCache(60_000, 10)
    cache.remember('k1', 's1', 'h')
    cache.remember('k1', 's2', 'h')
    cache.remember('k2', 's1', 'h')
    cache.forget('k1')
    expect(cache.has('k1', 's1', 'h')).toBe(false)
    expect(cache.has('k2', 's1', 'h')).toBe(true)
  })

  it('stays within its bound and holds no secret', () => {
    const cache = createVerifiedCache(60_000, 3)
    for (let i = 0; i < 10; i++) cache.remember(`k${i}`, `secret-${i}`, 'h')
    expect(cache.size).toBe(3)
    expect(JSON.stringify([...Object.values(cache)])).not.toContain('secret-')
  })

  it('is off with a zero window', () => {
    const cache = createVerifiedCache(0, 10)
    cache.remember('k', 's', 'h')
    expect(cache.has('k', 's', 'h')).toBe(false)
  })
})
