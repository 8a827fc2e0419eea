import { describe, expect, it } from 'vitest'
import { createCheckPlacement } from './check-placement.ts'

function setup (parallelism = 2) {
  let clock = 1_000_000
  let busy = 0
  const placement = createCheckPlacement({ sampler: () => busy, now: () => clock, parallelism })
  // A check on the loop takes `checkMs` of the clock; one on the pool, none of the loop's.
  const checkOnce = (checkMs: number): 'loop' | 'pool' => {
    let where: 'loop' | 'pool' = 'pool'
    placement.check(() => { clock += checkMs; where = 'loop'; return true }, () => Promise.resolve(true))
    return where
  }
  // A window of 100 ms in which the loop was `utilization` busy and `count` checks came, each `checkMs`
  // on the loop; the next check judges it. Returns where this window's checks ran.
  const windowOf = (utilization: number, count: number, checkMs = 0.07): Array<'loop' | 'pool'> => {
    const start = clock
    const places = Array.from({ length: count }, () => checkOnce(checkMs))
    clock = start + 100
    busy = utilization
    return places
  }
  return { placement, windowOf, checkOnce }
}

describe('createCheckPlacement', () => {
  it('checks on the loop while it has time to spare', () => {
    const { placement, windowOf } = setup()
    for (const busy of [0, 0.5, 0.89]) expect(windowOf(busy, 100)).not.toContain('pool')
    windowOf(0, 1)
    expect(placement.mode).toBe('loop')
  })

  it('moves checks to the pool once the loop is saturated and they are a part of its work, and keeps them there', () => {
    const { placement, windowOf } = setup()
    // 500 checks of 0.07 ms: 35 ms of a loop busy 100 ms.
    windowOf(1, 500)
    expect(windowOf(0.6, 500)).toEqual(Array(500).fill('pool'))
    // Busy 60 ms with the checks away: they would bring it back to 95 ms.
    expect(windowOf(0.6, 500)).toEqual(Array(500).fill('pool'))
    expect(placement.mode).toBe('pool')
  })

  it('keeps checks on the loop when they are nearly all its work: the pool would only cost more', () => {
    const { placement, windowOf } = setup()
    // 1,200 checks of 0.07 ms: 84 ms of a loop busy 100 ms.
    for (let i = 0; i < 5; i++) expect(windowOf(1, 1_200)).not.toContain('pool')
    expect(placement.mode).toBe('loop')
  })

  it('comes back to the loop when the load goes, and goes to the pool again when it returns', () => {
    const { placement, windowOf } = setup()
    windowOf(1, 500)
    windowOf(0.2, 500)
    // 20 ms busy and 35 ms of checks: 55 ms, time to spare.
    windowOf(0.2, 1)
    expect(placement.mode).toBe('loop')
    windowOf(1, 500)
    windowOf(0, 1)
    expect(placement.mode).toBe('pool')
  })

  it('comes back to the loop when, on the pool, the checks become nearly all the work', () => {
    const { placement, windowOf } = setup()
    windowOf(1, 500)
    expect(windowOf(0.15, 1_200)).toEqual(Array(1_200).fill('pool'))
    // 15 ms busy and 84 ms of checks: the checks would be 85 % of the loop's time.
    windowOf(0, 1)
    expect(placement.mode).toBe('loop')
  })

  it('goes to the pool for a loop saturated before any check ran inline, and back when the load goes', () => {
    const { placement, windowOf } = setup()
    windowOf(1, 0)
    expect(windowOf(0.95, 1)).toEqual(['pool'])
    windowOf(0.5, 10)
    expect(placement.mode).toBe('pool')
    windowOf(0, 1)
    expect(placement.mode).toBe('loop')
  })

  it('never uses the pool with one CPU', () => {
    const { placement, windowOf } = setup(1)
    for (let i = 0; i < 5; i++) expect(windowOf(1, 100)).not.toContain('pool')
    expect(placement.mode).toBe('loop')
  })
})
