// The rate-limit counter against the run's real Redis: shared counts, windows, take-backs.
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createLimitCounter } from '@keygate/gateway'
import { redisPrefix, redisUrl } from '../support/redis.ts'

describe('createLimitCounter, in Redis', () => {
  const clients: Redis[] = []
  afterEach(() => { for (const c of clients.splice(0)) c.disconnect() })
  const connected = async (): Promise<Redis> => {
    const redis = new Redis(redisUrl())
    clients.push(redis)
    await new Promise((resolve) => redis.once('ready', resolve))
    return redis
  }

  it('counts together across replicas, within one window, and takes counts back', async () => {
    const prefix = redisPrefix()
    const one = createLimitCounter({ redis: await connected(), prefix, windowMs: 60_000 })
    const two = createLimitCounter({ redis: await connected(), prefix, windowMs: 60_000 })
    expect((await one.hit('a', 's', 3)).allowed).toBe(true)
    expect((await two.hit('a', 's', 3)).allowed).toBe(true)
    expect((await one.hit('a', 's', 3)).allowed).toBe(true)
    const over = await two.hit('a', 's', 3)
    expect(over.allowed).toBe(false)
    expect(over.retryAfter).toBeGreaterThan(55)
    expect(over.retryAfter).toBeLessThanOrEqual(60)
    await one.release('a', 's')
    await one.release('a', 's')
    expect((await two.hit('a', 's', 3)).allowed).toBe(true)
    expect(one.degraded || two.degraded).toBe(false)
  })

  it('never brings an expired count back as a negative one', async () => {
    const prefix = redisPrefix()
    const redis = await connected()
    const counter = createLimitCounter({ redis, prefix, windowMs: 60_000 })
    await counter.release('a', 's')
    expect(await redis.exists(`${prefix}limit:a:s`)).toBe(0)
  })

  it('keeps counting in the process when Redis refuses the command, and says so', async () => {
    const redis = await connected()
    const events: boolean[] = []
    const counter = createLimitCounter({ redis, prefix: redisPrefix(), onDegraded: (d) => events.push(d) })
    redis.disconnect()
    expect((await counter.hit('a', 's', 1)).allowed).toBe(true)
    expect((await counter.hit('a', 's', 1)).allowed).toBe(false)
    expect(counter.degraded).toBe(true)
    expect(events).toEqual([true])
  })
})
