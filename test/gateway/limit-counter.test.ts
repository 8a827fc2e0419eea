// The rate-limit counters against the run's real Redis: shared counts, windows, take-backs, batched sharing.
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createLimitCounter, createRequestCounter } from '@keygate/gateway'
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

describe('createRequestCounter, in Redis', () => {
  const clients: Redis[] = []
  const counters: Array<{ close (): Promise<void> }> = []
  afterEach(async () => {
    for (const c of counters.splice(0)) await c.close()
    for (const c of clients.splice(0)) c.disconnect()
  })
  const connected = async (): Promise<Redis> => {
    const redis = new Redis(redisUrl())
    clients.push(redis)
    await new Promise((resolve) => redis.once('ready', resolve))
    return redis
  }
  const counter = async (prefix: string, extra: { onDegraded?: (d: boolean) => void } = {}) => {
    const created = createRequestCounter({ redis: await connected(), prefix, windowMs: 60_000, syncMs: 60_000, ...extra })
    counters.push(created)
    return created
  }

  it('decides without Redis, then shares a batch of counts in one command and learns the other replicas\' totals', async () => {
    const prefix = redisPrefix()
    const one = await counter(prefix)
    const two = await counter(prefix)
    const redis = await connected()
    for (let i = 0; i < 4; i++) expect(one.hit('a', 's', 6).allowed).toBe(true)
    // Nothing was sent yet: the verdicts came from this process.
    expect(await redis.exists(`${prefix}limit:a:s`)).toBe(0)
    await one.sync()
    expect(await redis.get(`${prefix}limit:a:s`)).toBe('4')
    const ttl = await redis.pttl(`${prefix}limit:a:s`)
    expect(ttl).toBeGreaterThan(55_000)
    expect(two.hit('a', 's', 6).allowed).toBe(true)
    await two.sync()
    // two now knows of one's four: one more is the sixth, the one after is over.
    expect(two.hit('a', 's', 6).allowed).toBe(true)
    const over = two.hit('a', 's', 6)
    expect(over.allowed).toBe(false)
    expect(over.retryAfter).toBeGreaterThan(55)
    await two.sync()
    await one.sync()
    expect(await redis.get(`${prefix}limit:a:s`)).toBe('7')
    // one has sent nothing since, so it knows only its own four: it admits one more (the bounded excess of
    // one interval), and learns the total when it sends that one.
    expect(one.hit('a', 's', 6).allowed).toBe(true)
    await one.sync()
    expect(one.hit('a', 's', 6).allowed).toBe(false)
    expect(one.degraded || two.degraded).toBe(false)
  })

  it('keeps every count while Redis cannot answer, says so, and adds to Redis again once it can', async () => {
    const prefix = redisPrefix()
    const events: boolean[] = []
    const redis = await connected()
    const counted = createRequestCounter({ redis, prefix, syncMs: 60_000, onDegraded: (d) => events.push(d) })
    counters.push(counted)
    redis.disconnect()
    expect(counted.hit('a', 's', 2).allowed).toBe(true)
    await counted.sync()
    expect(counted.degraded).toBe(true)
    expect(counted.hit('a', 's', 2).allowed).toBe(true)
    expect(counted.hit('a', 's', 2).allowed).toBe(false)
    await redis.connect()
    counted.hit('b', 's', 2)
    await counted.sync()
    expect(counted.degraded).toBe(false)
    expect(events).toEqual([true, false])
    const check = await connected()
    expect(await check.get(`${prefix}limit:b:s`)).toBe('1')
  })
})
