import { describe, expect, it } from 'vitest'
import { backoffDelay, retryAfterMs, sleep } from './backoff.ts'

describe('backoff', () => {
  it('grows exponentially up to the cap, scaled by the jitter', () => {
    expect(backoffDelay(0, 100, 5000, () => 1)).toBe(100)
    expect(backoffDelay(3, 100, 5000, () => 1)).toBe(800)
    expect(backoffDelay(10, 100, 5000, () => 1)).toBe(5000)
    expect(backoffDelay(3, 100, 5000, () => 0.5)).toBe(400)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(retryAfterMs(null)).toBeUndefined()
    expect(retryAfterMs('soon')).toBeUndefined()
  })

  it('sleeps until aborted', async () => {
    const controller = new AbortController()
    const pending = sleep(10_000, controller.signal)
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toThrow('stop')
  })
})
