import { describe, expect, it } from 'vitest'
import { createCheckPlacement } from './check-placement.ts'

function setup () {
  let clock = 1_000_000
  let busy = 0
  const placement = createCheckPlacement({ sampler: () => busy, now: () => clock })
  // The next window's `count` checks, the window before having kept the loop this busy: the first check
  // judges it, with the checks it saw.
  const windowOf = (utilization: number, count = 1): boolean[] => {
    busy = utilization
    clock += 100
    return Array.from({ length: count }, () => placement.onPool())
  }
  return { placement, windowOf, wait: (ms: number) => { clock += ms } }
}

describe('createCheckPlacement', () => {
  it('checks on the loop while it has time to spare', () => {
    const { placement, windowOf } = setup()
    expect(placement.onPool()).toBe(false)
    for (const busy of [0, 0.5, 0.89]) expect(windowOf(busy, 10)).not.toContain(true)
    expect(placement.mode).toBe('loop')
  })

  it('moves checks to the pool once the loop is saturated, and keeps them there while it stays busy', () => {
    const { placement, windowOf } = setup()
    windowOf(0.95)
    expect(placement.mode).toBe('pool')
    expect(windowOf(0.97, 500).every(Boolean)).toBe(true)
    expect(windowOf(0.8, 500).every(Boolean)).toBe(true)
  })

  it('comes back to the loop when the load goes, and to the pool at once when it returns', () => {
    const { placement, windowOf } = setup()
    windowOf(0.95)
    windowOf(0.2, 3)
    expect(placement.mode).toBe('loop')
    windowOf(0.95)
    expect(placement.mode).toBe('pool')
  })

  it('stays on the loop for a second when the loop was left waiting on the pool (many checks, little else)', () => {
    const { placement, windowOf, wait } = setup()
    expect(windowOf(0.95, 200).every(Boolean)).toBe(true)
    windowOf(0.5)
    expect(placement.mode).toBe('loop')
    windowOf(1, 10)
    expect(placement.mode).toBe('loop')
    wait(1_000)
    windowOf(1)
    expect(placement.mode).toBe('pool')
  })
})
