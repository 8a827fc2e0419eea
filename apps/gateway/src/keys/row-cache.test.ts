import { describe, expect, it } from 'vitest'
import { createKeyRowCache } from './row-cache.ts'
import type { StoredApiKey } from './store.ts'

const rowOf = (keyId: string, generation: number): StoredApiKey => ({ keyId, generation } as unknown as StoredApiKey)

function setup (options: { maxAgeMs?: number, maxEntries?: number } = {}) {
  let clock = 1_000_000
  const reads: string[] = []
  const table = new Map<string, StoredApiKey>([['a', rowOf('a', 1)], ['b', rowOf('b', 1)], ['c', rowOf('c', 1)]])
  const cache = createKeyRowCache({
    read: async (keyId) => { reads.push(keyId); return table.get(keyId) },
    maxAgeMs: options.maxAgeMs ?? 10_000,
    maxEntries: options.maxEntries ?? 100,
    now: () => clock
  })
  return { cache, reads, table, tick: (ms: number) => { clock += ms } }
}

describe('createKeyRowCache', () => {
  it('keeps nothing until changes are heard, then serves a row until its key changes', async () => {
    const { cache, reads, table } = setup()
    await cache.read('a')
    await cache.read('a')
    expect(reads).toEqual(['a', 'a'])
    cache.setHearing(true)
    await cache.read('a')
    expect(await cache.read('a')).toMatchObject({ generation: 1 })
    expect(reads).toEqual(['a', 'a', 'a'])
    table.set('a', rowOf('a', 2))
    cache.forget('a')
    expect(await cache.read('a')).toMatchObject({ generation: 2 })
    expect(reads).toHaveLength(4)
  })

  it('never keeps a row whose read was in flight when a change was heard', async () => {
    let release: (row: StoredApiKey) => void = () => {}
    const cache = createKeyRowCache({ read: async () => new Promise((resolve) => { release = resolve }), maxAgeMs: 10_000, maxEntries: 10 })
    cache.setHearing(true)
    const stale = cache.read('a')
    // The change commits and is heard while the old row is on its way back.
    cache.forget('a')
    release(rowOf('a', 1))
    expect(await stale).toMatchObject({ generation: 1 })
    const next = cache.read('a')
    release(rowOf('a', 2))
    expect(await next).toMatchObject({ generation: 2 })
    expect(cache.size).toBe(1)
  })

  it('forgets every row when the connection is lost, reads each time until heard again, and starts afresh then', async () => {
    const { cache, reads, table } = setup()
    cache.setHearing(true)
    await cache.read('a')
    cache.setHearing(false)
    expect(cache.size).toBe(0)
    expect(cache.hearing).toBe(false)
    table.set('a', rowOf('a', 3))
    expect(await cache.read('a')).toMatchObject({ generation: 3 })
    await cache.read('a')
    expect(cache.size).toBe(0)
    cache.setHearing(true)
    await cache.read('a')
    await cache.read('a')
    expect(reads).toEqual(['a', 'a', 'a', 'a'])
  })

  it('reads a row again once it is older than maxAgeMs, keeps at most maxEntries, and never keeps an unknown key', async () => {
    const { cache, reads, tick } = setup({ maxAgeMs: 1_000, maxEntries: 2 })
    cache.setHearing(true)
    await cache.read('a')
    tick(999)
    await cache.read('a')
    tick(1)
    await cache.read('a')
    expect(reads).toEqual(['a', 'a'])
    await cache.read('b')
    await cache.read('c')
    expect(cache.size).toBe(2)
    await cache.read('a')
    expect(reads).toEqual(['a', 'a', 'b', 'c', 'a'])
    expect(await cache.read('nobody')).toBeUndefined()
    expect(await cache.read('nobody')).toBeUndefined()
    expect(reads.filter((k) => k === 'nobody')).toHaveLength(2)
  })
})
