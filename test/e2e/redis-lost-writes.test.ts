// A Redis that comes back with the same epoch and less than was published to it (a demoted primary, a
// replica that missed the last writes, an old dump) loses no revocation: the relay notices and rebuilds.
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { revocationKeys } from '@keygate/protocol'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { adminHeaders } from '../support/gateway.ts'
import { type RedisServer, startRedisServer } from '../support/redis-server.ts'
import { until } from '../support/until.ts'

describe('Redis that lost writes', () => {
  let server: RedisServer | undefined
  afterEach(async () => { await server?.stop(); server = undefined })

  it('is rebuilt under a new epoch: every live revocation is refused at every verifier, a fresh one included', async () => {
    server = await startRedisServer()
    const d = await buildDownstream({ REDIS_URL: server.url })
    const [one, two] = [await d.service({ redis: server.url }), await d.service({ redis: server.url })]
    const ops = await adminHeaders(d.gw)
    const tokens: string[] = []
    for (let i = 0; i < 10; i++) {
      const { token, keyId } = await d.token()
      tokens.push(token)
      const res = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke?wait=true`, headers: ops })
      expect(res.json<{ propagated: { complete: boolean } }>().propagated.complete).toBe(true)
    }
    const status = async (app: typeof one, token: string) => (await app.inject({ url: '/orders', headers: bearer(token) })).statusCode
    for (const token of tokens) expect([await status(one, token), await status(two, token)]).toEqual([401, 401])

    // The newest five writes are gone, the epoch is the same: what a demoted primary or a stale replica holds.
    const keys = revocationKeys(d.prefix)
    const redis = new Redis(server.url)
    onTestFinished(() => redis.disconnect())
    const epoch = await redis.get(keys.epoch)
    await redis.zremrangebyrank(keys.set, -5, -1)
    await redis.decrby(keys.seq, 5)

    // A verifier that starts now loads the stream as Redis holds it.
    const fresh = await d.service({ redis: server.url })
    await until(async () => {
      const statuses = await Promise.all([one, two, fresh].flatMap((app) => tokens.map((t) => status(app, t))))
      return statuses.every((s) => s === 401)
    }, 5_000, 50)
    expect(await redis.get(keys.epoch)).not.toBe(epoch)
    expect(await redis.zcard(keys.set)).toBeGreaterThanOrEqual(10)
    expect(d.gw.logs.lines.some((l) => l.includes('lost writes'))).toBe(true)
  })

  it('is rebuilt when it comes back holding an older epoch (a dump from before the last rebuild)', async () => {
    server = await startRedisServer()
    const d = await buildDownstream({ REDIS_URL: server.url })
    const ops = await adminHeaders(d.gw)
    const keys = revocationKeys(d.prefix)
    const redis = new Redis(server.url)
    onTestFinished(() => redis.disconnect())
    const revoke = async () => {
      const { token, keyId } = await d.token()
      const res = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke`, headers: ops })
      expect(res.statusCode).toBe(200)
      return token
    }
    const tokens: string[] = []
    for (let i = 0; i < 5; i++) tokens.push(await revoke())
    await until(async () => Number(await redis.get(keys.seq)) >= 5, 5_000)
    // A snapshot of the stream as it is now, under its first epoch.
    const snapshot = await Promise.all([keys.set, keys.seq, keys.epoch].map(async (k) => [k, await redis.dumpBuffer(k)] as const))
    const first = await redis.get(keys.epoch)
    await redis.del(keys.epoch)
    await until(async () => (await redis.get(keys.epoch)) !== null && (await redis.get(keys.epoch)) !== first, 5_000)
    for (let i = 0; i < 5; i++) tokens.push(await revoke())
    await until(async () => await redis.zcard(keys.set) >= 10, 5_000)

    // The old dump comes back: the first epoch, five revocations.
    for (const [k, dumped] of snapshot) await redis.restore(k, 0, dumped as Buffer, 'REPLACE')
    const fresh = await d.service({ redis: server.url })
    await until(async () => (await Promise.all(tokens.map(async (t) => (await fresh.inject({ url: '/orders', headers: bearer(t) })).statusCode))).every((s) => s === 401), 5_000, 50)
    expect(await redis.get(keys.epoch)).not.toBe(first)
  })
})
