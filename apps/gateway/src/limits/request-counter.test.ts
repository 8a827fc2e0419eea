import { describe, expect, it } from 'vitest'
import { createRequestCounter } from './request-counter.ts'

describe('createRequestCounter, in process', () => {
  it('allows max requests per window, exactly, and says when the window ends', () => {
    let clock = 1_000_000
    const counter = createRequestCounter({ prefix: 't:', windowMs: 60_000, now: () => clock })
    for (let i = 0; i < 3; i++) expect(counter.hit('a', 's', 3).allowed).toBe(true)
    expect(counter.hit('a', 's', 3)).toEqual({ allowed: false, retryAfter: 60 })
    clock += 59_500
    expect(counter.hit('a', 's', 3)).toEqual({ allowed: false, retryAfter: 1 })
    clock += 500
    expect(counter.hit('a', 's', 3).allowed).toBe(true)
    expect(counter.degraded).toBe(false)
  })

  it('counts each name and subject apart, and keeps at most maxEntries subjects', () => {
    const counter = createRequestCounter({ prefix: 't:', maxEntries: 2 })
    expect(counter.hit('a', 's', 1).allowed).toBe(true)
    expect(counter.hit('b', 's', 1).allowed).toBe(true)
    expect(counter.hit('b', 's', 1).allowed).toBe(false)
    // A third subject pushes out the oldest, 'a:s'.
    expect(counter.hit('a', 't', 1).allowed).toBe(true)
    expect(counter.hit('a', 's', 1).allowed).toBe(true)
  })
})
