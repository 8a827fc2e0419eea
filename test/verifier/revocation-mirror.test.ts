import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import { Redis } from 'ioredis'
import { ALL_GENERATIONS, MAX_CLOCK_TOLERANCE_SECONDS, type RevocationMessage, encodeRevocation, revocationKeys, tokenRevocationExpiry } from '@keygate/protocol'
import { createTokenVerifier } from '@keygate/verifier'
import { createRevocationMirror } from '../../packages/verifier/src/revocation-mirror.ts'
import { startCuttingProxy } from '../support/cutting-proxy.ts'
import { forgeJwt } from '../support/forge.ts'
import { startRedisServer } from '../support/redis-server.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { until } from '../support/until.ts'

const principal = (fields: { jti?: string, clientId?: string, keyGeneration?: number, kid?: string } = {}) => ({
  sub: 'team-a', clientId: 'k1', scopes: [], jti: 'j-none', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, kid: 'kid-1', keyGeneration: 1, ...fields
})

async function seed (redis: Redis, keys: ReturnType<typeof revocationKeys>, messages: Array<Omit<RevocationMessage, 'seq' | 'epoch'>>, epoch = 'e1'): Promise<void> {
  const batch = redis.pipeline()
  messages.forEach((m, i) => batch.zadd(keys.set, m.expiresAt, encodeRevocation({ ...m, seq: i + 1, epoch })))
  batch.set(keys.seq, messages.length).set(keys.epoch, epoch)
  await batch.exec()
}

function mirrorOn (redis: Redis, keys: ReturnType<typeof revocationKeys>, options: { now?: () => number, heartbeatMs?: number } = {}) {
  const mirror = createRevocationMirror({ redis, keys, instanceId: `test-${Math.random()}`, heartbeatMs: options.heartbeatMs ?? 60_000, ...(options.now ? { now: options.now } : {}) })
  onTestFinished(async () => {
    await mirror.stop()
    redis.disconnect()
  })
  return mirror
}

describe('revocation mirror', () => {
  it('refuses by jti, by key generation and by signing key, and drops each once it expires, never before', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    let clock = Date.now()
    await seed(redis, keys, [
      { kind: 'token', subject: 'jti-soon', generation: 0, expiresAt: clock + 10_000 },
      { kind: 'token', subject: 'jti-later', generation: 0, expiresAt: clock + 3_600_000 },
      { kind: 'key', subject: 'k-disabled', generation: 3, expiresAt: clock + 20_000 },
      { kind: 'key', subject: 'k-revoked', generation: ALL_GENERATIONS, expiresAt: clock + 3_600_000 },
      { kind: 'signing-key', subject: 'kid-leaked', generation: 0, expiresAt: clock + 3_600_000 }
    ])
    const mirror = mirrorOn(redis, keys, { now: () => clock })
    await mirror.ready
    expect(mirror.status()).toMatchObject({ state: 'current', size: 5 })
    expect(mirror.isRevoked(principal({ jti: 'jti-soon' }))).toBe(true)
    expect(mirror.isRevoked(principal({ clientId: 'k-disabled', keyGeneration: 2 }))).toBe(true)
    expect(mirror.isRevoked(principal({ clientId: 'k-disabled', keyGeneration: 3 }))).toBe(false)
    expect(mirror.isRevoked(principal({ clientId: 'k-revoked', keyGeneration: 1_000_000 }))).toBe(true)
    expect(mirror.isRevoked(principal({ kid: 'kid-leaked' }))).toBe(true)
    expect(mirror.isRevoked(principal())).toBe(false)

    clock += 9_999
    mirror.prune()
    expect(mirror.isRevoked(principal({ jti: 'jti-soon' }))).toBe(true)
    clock += 1_000
    mirror.prune()
    expect(mirror.isRevoked(principal({ jti: 'jti-soon' }))).toBe(false)
    expect(mirror.isRevoked(principal({ clientId: 'k-disabled', keyGeneration: 2 }))).toBe(true)
    clock += 10_000
    mirror.prune()
    expect(mirror.isRevoked(principal({ clientId: 'k-disabled', keyGeneration: 2 }))).toBe(false)
    expect(mirror.status().size).toBe(3)
  })

  it('keeps a revoked token refused at the largest clock tolerance until it has expired beyond it (frozen clock)', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const exp = Math.floor(Date.now() / 1000) + 300
    let clock = (exp - 300) * 1000
    const token = forgeJwt({ alg: 'EdDSA', typ: 'at+jwt', kid: 'kid-1' }, { iss: 'https://kg.example', sub: 's', aud: 'api', client_id: 'k1', scope: '', jti: 'jti-revoked', iat: exp - 300, exp, kgen: 1 }, { ed25519: privateKey })
    // The gateway keeps a token revocation until tokenRevocationExpiry(exp).
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-revoked', generation: 0, expiresAt: tokenRevocationExpiry(exp) * 1000 }])
    const mirror = mirrorOn(redis, keys, { now: () => clock })
    await mirror.ready
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
    const verify = createTokenVerifier({
      issuer: 'https://kg.example',
      audience: 'api',
      keyFor: async () => ({ pem, alg: 'EdDSA' }),
      clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS,
      maxTokenLifetimeSeconds: 3600,
      cacheSize: 0,
      now: () => clock
    })
    const admitted = async (): Promise<boolean> => {
      mirror.prune()
      const p = await verify(token).catch(() => undefined)
      return p !== undefined && !mirror.isRevoked(p)
    }
    for (const at of [exp - 299, exp, exp + MAX_CLOCK_TOLERANCE_SECONDS - 1]) {
      clock = at * 1000
      expect(await admitted(), `at exp${at - exp >= 0 ? '+' : ''}${at - exp}`).toBe(false)
      expect(await verify(token).then(() => true, () => false), `the signature and times alone pass at exp+${at - exp}`).toBe(true)
    }
    clock = (exp + MAX_CLOCK_TOLERANCE_SECONDS + 1) * 1000
    expect(await admitted()).toBe(false)
    expect(await verify(token).then(() => true, () => false)).toBe(false)
  })

  it('keeps the previous set in force when a reload fails on its second page', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const proxy = await startCuttingProxy(server.port)
    const setup = new Redis(server.url)
    onTestFinished(() => { setup.disconnect() })
    const keys = revocationKeys('kgt:')
    const expiresAt = Date.now() + 3_600_000
    await seed(setup, keys, Array.from({ length: 3000 }, (_, i) => ({ kind: 'token' as const, subject: `jti-${i}`, generation: 0, expiresAt })))
    const mirror = mirrorOn(new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 1, enableOfflineQueue: false }), keys, { heartbeatMs: 100 })
    await mirror.ready
    expect(mirror.status()).toMatchObject({ state: 'current', size: 3000 })

    // The next load dies after its first page: its connection is cut as it asks for the second.
    proxy.cutAt('ZSCAN', 2)
    await setup.publish(keys.channel, encodeRevocation({ seq: 3005, epoch: 'e1', kind: 'token', subject: 'jti-gap', generation: 0, expiresAt }))
    await until(async () => proxy.cuts === 1, 5_000)
    await until(async () => mirror.status().state === 'stale', 5_000)
    expect(mirror.status().size).toBe(3000)
    for (let i = 0; i < 3000; i++) expect(mirror.isRevoked(principal({ jti: `jti-${i}` })), `jti-${i}`).toBe(true)
    // It resyncs by itself once a load can finish.
    await until(async () => mirror.status().state === 'current', 10_000)
    expect(mirror.status().size).toBe(3000)
  })

  it('loads and registers as live as soon as its command connection is ready, even after its subscriber', async () => {
    const redis = new Redis(redisUrl(), { lazyConnect: true, enableOfflineQueue: false })
    const keys = revocationKeys(redisPrefix())
    const setup = new Redis(redisUrl())
    await setup.multi().set(keys.seq, '0').set(keys.epoch, 'e1').exec()
    const mirror = mirrorOn(redis, keys)
    onTestFinished(() => { setup.disconnect() })
    const instance = mirror.status()
    expect(instance.state).toBe('stale')
    redis.connect().catch(() => {})
    await until(async () => mirror.status().state === 'current', 5_000)
    expect(await setup.zcard(keys.verifiers)).toBe(1)
    expect(Object.values(await setup.hgetall(keys.applied))).toEqual(['e1:0'])
  })
})
