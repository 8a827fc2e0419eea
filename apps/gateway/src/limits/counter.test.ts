import { describe, expect, it } from 'vitest'
import { createLimitCounter } from './counter.ts'

describe('createLimitCounter, in process', () => {
  it('allows max hits per window and says when the window ends', async () => {
    let clock = 1_000_000
    const counter = createLimitCounter({ prefix: 't:', windowMs: 60_000, now: () => clock })
    for (let i = 0; i < 3; i++) expect((await counter.hit('a', 's', 3)).allowed).toBe(true)
    expect(await counter.hit('a', 's', 3)).toEqual({ allowed: false, retryAfter: 60 })
    clock += 59_500
    expect(await counter.hit('a', 's', 3)).toEqual({ allowed: false, retryAfter: 1 })
    clock += 500
    expect((await counter.hit('a', 's', 3)).allowed).toBe(true)
    expect(counter.degraded).toBe(false)
  })

  it('counts each name and subject apart', async () => {
    const counter = createLimitCounter({ prefix: 't:' })
    expect((await counter.hit('a', 's', 1)).allowed).toBe(true)
    expect((await counter.hit('a', 't', 1)).allowed).toBe(true)
    expect((await counter.hit('b', 's', 1)).allowed).toBe(true)
    expect((await counter.hit('a', 's', 1)).allowed).toBe(false)
  })

  it('keeps at most maxLocalEntries counters, dropping the oldest', async () => {
    const counter = createLimitCounter({ prefix: 't:', maxLocalEntries: 2 })
    await counter.hit('a', 'one', 1)
    await counter.hit('a', 'two', 1)
    await counter.hit('a', 'three', 1)
    expect((await counter.hit('a', 'one', 1)).allowed).toBe(true)
    expect((await counter.hit('a', 'three', 1)).allowed).toBe(false)
  })

  it('takes a count back within the window, never below zero', async () => {
    const counter = createLimitCounter({ prefix: 't:' })
    await counter.hit('f', 'k', 1)
    await counter.release('f', 'k')
    await counter.release('f', 'k')
    expect((await counter.hit('f', 'k', 1)).allowed).toBe(true)
    expect((await counter.hit('f', 'k', 1)).allowed).toBe(false)
  })
})
