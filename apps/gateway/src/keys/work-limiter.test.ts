import { describe, expect, it } from 'vitest'
import { createWorkLimiter } from './work-limiter.ts'

function deferred (): { promise: Promise<void>, resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

describe('createWorkLimiter', () => {
  it('runs at most `concurrency` jobs at once and queues the next ones', async () => {
    const limiter = createWorkLimiter(2, 10)
    const gates = [deferred(), deferred(), deferred()]
    let running = 0
    let peak = 0
    const jobs = gates.map((g) => limiter.run(async () => {
      running++
      peak = Math.max(peak, running)
      await g.promise
      running--
    }))
    await Promise.resolve()
    expect(limiter.active).toBe(2)
    expect(limiter.queued).toBe(1)
    for (const g of gates) g.resolve()
    await Promise.all(jobs)
    expect(peak).toBe(2)
    expect(limiter.active).toBe(0)
  })

  it('refuses work beyond the queue with KG_ERR_OVERLOADED', async () => {
    const limiter = createWorkLimiter(1, 1)
    const gate = deferred()
    const first = limiter.run(() => gate.promise)
    const second = limiter.run(async () => 'queued')
    await expect(limiter.run(async () => 'refused')).rejects.toMatchObject({ code: 'KG_ERR_OVERLOADED', statusCode: 503 })
    gate.resolve()
    await first
    expect(await second).toBe('queued')
  })

  it('frees the slot when a job throws', async () => {
    const limiter = createWorkLimiter(1, 0)
    await expect(limiter.run(async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await limiter.run(async () => 'ok')).toBe('ok')
  })
})
