import { describe, expect, it, onTestFinished } from 'vitest'
import { Redis } from 'ioredis'
import { encodeRevocation, revocationKeys } from '@keygate/protocol'
import { createRevocationMirror } from '../../packages/verifier/src/revocation-mirror.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { until } from '../support/until.ts'

const principal = (jti: string) => ({ sub: 'team-a', clientId: 'k1', scopes: [], jti, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 })

describe('revocation mirror', () => {
  it('drops a revoked token once it has expired, never before, and keeps the ones still live', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    const now = Date.now()
    const revocations = [
      { seq: 1, epoch: 'e1', kind: 'token' as const, subject: 'jti-soon', revokedAt: now, expiresAt: now + 1_200 },
      { seq: 2, epoch: 'e1', kind: 'token' as const, subject: 'jti-later', revokedAt: now, expiresAt: now + 3_600_000 }
    ]
    for (const r of revocations) await redis.zadd(keys.set, r.expiresAt, encodeRevocation(r))
    await redis.multi().set(keys.seq, 2).set(keys.epoch, 'e1').exec()
    const mirror = createRevocationMirror({ redis, keys, instanceId: 'test', heartbeatMs: 100 })
    onTestFinished(async () => {
      await mirror.stop()
      redis.disconnect()
    })
    await mirror.ready
    expect(mirror.status()).toMatchObject({ state: 'current', size: 2 })
    expect(mirror.isRevoked(principal('jti-soon'))).toBe(true)

    await until(async () => mirror.status().size === 1, 5_000)
    expect(Date.now()).toBeGreaterThanOrEqual(revocations[0]!.expiresAt)
    expect(mirror.isRevoked(principal('jti-soon'))).toBe(false)
    expect(mirror.isRevoked(principal('jti-later'))).toBe(true)
  })

  it('loads and registers as live as soon as its command connection is ready, even after its subscriber', async () => {
    const redis = new Redis(redisUrl(), { lazyConnect: true, enableOfflineQueue: false })
    const keys = revocationKeys(redisPrefix())
    const setup = new Redis(redisUrl())
    await setup.multi().set(keys.seq, 0).set(keys.epoch, 'e1').exec()
    const mirror = createRevocationMirror({ redis, keys, instanceId: 'late-connection', heartbeatMs: 60_000 })
    onTestFinished(async () => {
      await mirror.stop()
      redis.disconnect()
      setup.disconnect()
    })
    setTimeout(() => { redis.connect().catch(() => {}) }, 300)

    await until(async () => mirror.status().state === 'current', 2_000)
    expect(await setup.zscore(keys.verifiers, 'late-connection')).not.toBeNull()
    expect(await setup.hget(keys.applied, 'late-connection')).toBe('e1:0')
  })
})
