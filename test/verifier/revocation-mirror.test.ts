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

/** A redis-server of the test's own (stopped after it) holding one live revocation, jti-1. */
async function privateRedisWithOneRevocation (): Promise<{ server: Awaited<ReturnType<typeof startRedisServer>>, setup: Redis, keys: ReturnType<typeof revocationKeys> }> {
  const server = await startRedisServer()
  onTestFinished(() => server.stop())
  const setup = new Redis(server.url)
  onTestFinished(() => { setup.disconnect() })
  const keys = revocationKeys('kgt:')
  await seed(setup, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt: Date.now() + 60_000 }])
  return { server, setup, keys }
}

function mirrorOn (redis: Redis, keys: ReturnType<typeof revocationKeys>, options: { now?: () => number, heartbeatMs?: number, events?: Array<[string, object | undefined]>, onSigningKeyRevoked?: (kid: string) => void, instanceId?: string } = {}) {
  // Tests stop and kill servers: a client's connection errors are expected, and heard.
  redis.on('error', () => {})
  const mirror = createRevocationMirror({
    redis,
    keys,
    instanceId: options.instanceId ?? `test-${Math.random()}`,
    heartbeatMs: options.heartbeatMs ?? 60_000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.events ? { log: (event: string, detail?: object) => { options.events?.push([event, detail]) } } : {}),
    ...(options.onSigningKeyRevoked ? { onSigningKeyRevoked: options.onSigningKeyRevoked } : {})
  })
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

  it('applies published messages in order, reports its position, ignores repeats, and resyncs on a gap or a new epoch', async () => {
    const redis = new Redis(redisUrl())
    const publisher = new Redis(redisUrl())
    onTestFinished(() => { publisher.disconnect() })
    const keys = revocationKeys(redisPrefix())
    const expiresAt = Date.now() + 60_000
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt }])
    const events: Array<[string, object | undefined]> = []
    const revokedKids: string[] = []
    const mirror = mirrorOn(redis, keys, { events, onSigningKeyRevoked: (kid) => revokedKids.push(kid), instanceId: 'seq-test' })
    await mirror.ready
    expect(mirror.status()).toMatchObject({ state: 'current', epoch: 'e1', lastSeq: 1, size: 1 })
    expect(events.map(([e]) => e)).toEqual(['resynced'])
    const send = (m: Omit<RevocationMessage, 'expiresAt'>) => publisher.publish(keys.channel, encodeRevocation({ ...m, expiresAt }))

    await send({ seq: 2, epoch: 'e1', kind: 'signing-key', subject: 'kid-x', generation: 0 })
    await until(async () => mirror.status().lastSeq === 2, 2_000)
    expect(mirror.isRevoked(principal({ kid: 'kid-x' }))).toBe(true)
    expect(revokedKids).toEqual(['kid-x'])
    await until(async () => await redis.hget(keys.applied, 'seq-test') === 'e1:2', 2_000)

    // A repeat of an applied message changes nothing and asks for no reload.
    await send({ seq: 2, epoch: 'e1', kind: 'token', subject: 'jti-repeat', generation: 0 })
    await send({ seq: 3, epoch: 'e1', kind: 'token', subject: 'jti-3', generation: 0 })
    await until(async () => mirror.status().lastSeq === 3, 2_000)
    expect(mirror.isRevoked(principal({ jti: 'jti-repeat' }))).toBe(false)
    expect(events.filter(([e]) => e === 'gap')).toEqual([])

    // A gap: the mirror reloads what Redis holds (here nothing new was written there, so seq stays 1 in Redis).
    await redis.set(keys.seq, '5')
    await send({ seq: 6, epoch: 'e1', kind: 'token', subject: 'jti-6', generation: 0 })
    await until(async () => events.some(([e]) => e === 'gap'), 2_000)
    expect(events.find(([e]) => e === 'gap')?.[1]).toEqual({ expected: 4, got: 6 })
    await until(async () => mirror.status().lastSeq === 5, 2_000)

    // A new epoch: the stream was rebuilt; the mirror reloads it whole.
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-rebuilt', generation: 0, expiresAt }], 'e2')
    await send({ seq: 1, epoch: 'e2', kind: 'token', subject: 'jti-rebuilt', generation: 0 })
    await until(async () => mirror.status().epoch === 'e2', 2_000)
    expect(mirror.isRevoked(principal({ jti: 'jti-rebuilt' }))).toBe(true)
    expect(mirror.status().state).toBe('current')
  })

  it('leaves out what expired before the load', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    const clock = Date.now()
    await seed(redis, keys, [
      { kind: 'token', subject: 'jti-gone', generation: 0, expiresAt: clock },
      { kind: 'token', subject: 'jti-live', generation: 0, expiresAt: clock + 1 }
    ])
    const mirror = mirrorOn(redis, keys, { now: () => clock })
    await mirror.ready
    expect(mirror.status().size).toBe(1)
    expect(mirror.isRevoked(principal({ jti: 'jti-live' }))).toBe(true)
  })

  it('stays stale, keeping what it holds, when the stream comes back shorter in the same epoch', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    const expiresAt = Date.now() + 60_000
    await seed(redis, keys, Array.from({ length: 3 }, (_, i) => ({ kind: 'token' as const, subject: `jti-${i}`, generation: 0, expiresAt })))
    const events: Array<[string, object | undefined]> = []
    const mirror = mirrorOn(redis, keys, { events, heartbeatMs: 100 })
    await mirror.ready
    // Redis loses the last two writes but keeps the epoch (a replica promoted without them).
    await redis.del(keys.set)
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-0', generation: 0, expiresAt }])
    await redis.publish(keys.channel, encodeRevocation({ seq: 9, epoch: 'e1', kind: 'token', subject: 'x', generation: 0, expiresAt }))
    await until(async () => mirror.status().state === 'stale', 2_000)
    expect(mirror.status()).toMatchObject({ lastSeq: 3, size: 3 })
    expect(events.some(([e]) => e === 'resync failed')).toBe(true)
    // The relay rebuilds under a new epoch: the mirror takes it.
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-0', generation: 0, expiresAt }], 'e2')
    await until(async () => mirror.status().state === 'current', 5_000)
    expect(mirror.status()).toMatchObject({ epoch: 'e2', lastSeq: 1 })
  })

  it('goes stale when its subscription drops, counting the time, and resyncs when it returns', async () => {
    const { server, setup, keys } = await privateRedisWithOneRevocation()
    const events: Array<[string, object | undefined]> = []
    const mirror = mirrorOn(new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 }), keys, { events, heartbeatMs: 100 })
    await mirror.ready
    expect(mirror.staleForMs()).toBe(0)
    await setup.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    await until(async () => mirror.status().state === 'stale', 2_000)
    expect(events.find(([e]) => e === 'stale')?.[1]).toEqual({ reason: 'connection closed' })
    await until(async () => mirror.status().state === 'current', 5_000)
    expect(mirror.isRevoked(principal({ jti: 'jti-1' }))).toBe(true)
  })

  it('becomes current at its next heartbeat once the relay has written the stream it found missing', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    const mirror = mirrorOn(redis, keys, { heartbeatMs: 100 })
    await mirror.ready
    expect(mirror.status().state).toBe('stale')
    const stale = mirror.staleForMs()
    await until(async () => mirror.staleForMs() > stale, 1_000)
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt: Date.now() + 60_000 }])
    await until(async () => mirror.status().state === 'current', 2_000)
    expect(mirror.staleForMs()).toBe(0)
  })

  it('leaves the live verifiers when stopped', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    await seed(redis, keys, [])
    const mirror = createRevocationMirror({ redis, keys, instanceId: 'leaving', heartbeatMs: 60_000 })
    await mirror.ready
    expect(await redis.zscore(keys.verifiers, 'leaving')).not.toBeNull()
    await mirror.stop()
    expect(await redis.zscore(keys.verifiers, 'leaving')).toBeNull()
    redis.disconnect()
  })

  it('applies what is published during a load after it, in sequence order, with no reload for it', async () => {
    const redis = new Redis(redisUrl())
    const publisher = new Redis(redisUrl())
    onTestFinished(() => { publisher.disconnect() })
    const keys = revocationKeys(redisPrefix())
    const expiresAt = Date.now() + 60_000
    await seed(redis, keys, Array.from({ length: 30_000 }, (_, i) => ({ kind: 'token' as const, subject: `bulk-${i}`, generation: 0, expiresAt })))
    const events: Array<[string, object | undefined]> = []
    const mirror = mirrorOn(redis, keys, { events })
    await mirror.ready
    // The stream is rebuilt under e2 (same members); its message starts a reload, and two more follow
    // while the reload pages through 30,000 members: out of order, as the network may deliver them.
    await redis.mset(keys.epoch, 'e2', keys.seq, '30000')
    const send = (seq: number, subject: string) => publisher.publish(keys.channel, encodeRevocation({ seq, epoch: 'e2', kind: 'token', subject, generation: 0, expiresAt }))
    await send(30_000, 'bulk-29999')
    await send(30_002, 'late-2')
    await send(30_001, 'late-1')
    await until(async () => events.filter(([e]) => e === 'resynced').length === 2, 10_000)
    expect(mirror.status().lastSeq).toBe(30_002)
    expect(mirror.isRevoked(principal({ jti: 'late-1' }))).toBe(true)
    expect(mirror.isRevoked(principal({ jti: 'late-2' }))).toBe(true)
    // One reload (the new epoch), none for the messages that arrived during it.
    expect(events.filter(([e]) => e === 'gap')).toHaveLength(1)
    expect(events.filter(([e]) => e === 'resynced').at(-1)?.[1]).toEqual({ epoch: 'e2', lastSeq: 30_002, size: 30_002 })
  }, 30_000)

  it('skips a member or a message that is not a revocation, and goes on', async () => {
    const redis = new Redis(redisUrl())
    const publisher = new Redis(redisUrl())
    onTestFinished(() => { publisher.disconnect() })
    const keys = revocationKeys(redisPrefix())
    const expiresAt = Date.now() + 60_000
    await seed(redis, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt }])
    await redis.zadd(keys.set, expiresAt, 'not a revocation')
    const mirror = mirrorOn(redis, keys)
    await mirror.ready
    expect(mirror.status()).toMatchObject({ state: 'current', size: 1 })
    await publisher.publish(keys.channel, '{"garbage"')
    await publisher.publish(keys.channel, encodeRevocation({ seq: 2, epoch: 'e1', kind: 'token', subject: 'jti-2', generation: 0, expiresAt }))
    await until(async () => mirror.isRevoked(principal({ jti: 'jti-2' })), 2_000)
  })

  it('never reports itself current without a subscription, whatever the command connection can load', async () => {
    const server = await startRedisServer(undefined, ['--rename-command', 'SUBSCRIBE', ''])
    onTestFinished(() => server.stop())
    const setup = new Redis(server.url)
    onTestFinished(() => { setup.disconnect() })
    const keys = revocationKeys('kgt:')
    await seed(setup, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt: Date.now() + 60_000 }])
    const events: Array<[string, object | undefined]> = []
    const mirror = mirrorOn(new Redis(server.url, { enableOfflineQueue: false }), keys, { heartbeatMs: 50, events })
    await mirror.ready
    await until(async () => mirror.staleForMs() > 300, 2_000)
    expect(mirror.status().state).toBe('stale')
    // Heartbeats keep trying to subscribe.
    expect(events.filter(([e]) => e === 'subscribe failed').length).toBeGreaterThan(1)
  })

  it('stays stale while its subscription is down, though heartbeats could load, and resyncs once it is back', async () => {
    const { server, setup, keys } = await privateRedisWithOneRevocation()
    const events: Array<[string, object | undefined]> = []
    // The subscriber (a duplicate of this client) waits a second and a half before it reconnects.
    const mirror = mirrorOn(new Redis(server.url, { enableOfflineQueue: false, retryStrategy: () => 1_500 }), keys, { events, heartbeatMs: 50 })
    await mirror.ready
    await setup.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    await until(async () => mirror.status().state === 'stale', 1_000)
    // A second on, with heartbeats every 50 ms that could load over the command connection, still stale.
    await until(async () => mirror.staleForMs() >= 1_000, 3_000)
    await until(async () => mirror.status().state === 'current', 5_000)
    expect(events.filter(([e]) => e === 'stale')).toEqual([['stale', { reason: 'connection closed' }]])
  })

  it('survives Redis stopping and coming back on the same port, and resyncs', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const keys = revocationKeys('kgt:')
    const setup = new Redis(server.url)
    await seed(setup, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt: Date.now() + 60_000 }])
    setup.disconnect()
    const mirror = mirrorOn(new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 100 }), keys, { heartbeatMs: 100 })
    await mirror.ready
    await server.stop()
    await until(async () => mirror.status().state === 'stale', 2_000)
    // Reconnect attempts fail for a while (each an 'error' event): nothing throws.
    await until(async () => mirror.staleForMs() > 500, 2_000)
    expect(mirror.isRevoked(principal({ jti: 'jti-1' }))).toBe(true)
    const restarted = await startRedisServer(server.port)
    onTestFinished(() => restarted.stop())
    const again = new Redis(restarted.url)
    await seed(again, keys, [{ kind: 'token', subject: 'jti-1', generation: 0, expiresAt: Date.now() + 60_000 }], 'e9')
    again.disconnect()
    await until(async () => mirror.status().state === 'current', 5_000)
    expect(mirror.status().epoch).toBe('e9')
  }, 20_000)

  it('is not current when it cannot register its position, and goes stale when a heartbeat cannot', async () => {
    const redis = new Redis(redisUrl())
    const keys = revocationKeys(redisPrefix())
    await seed(redis, keys, [])
    // The hash of applied positions is a string: every registration fails (WRONGTYPE).
    await redis.set(keys.applied, 'not a hash')
    const events: Array<[string, object | undefined]> = []
    const mirror = mirrorOn(redis, keys, { events, heartbeatMs: 50 })
    await mirror.ready
    expect(mirror.status().state).toBe('stale')
    expect(String((events.find(([e]) => e === 'resync failed')?.[1] as { err?: Error } | undefined)?.err?.message)).toMatch(/WRONGTYPE/)
    await redis.del(keys.applied)
    await until(async () => mirror.status().state === 'current', 2_000)
    await redis.del(keys.applied)
    await redis.set(keys.applied, 'not a hash')
    await until(async () => mirror.status().state === 'stale', 2_000)
    expect(events.filter(([e]) => e === 'stale').at(-1)).toEqual(['stale', { reason: 'heartbeat failed' }])
  })

  it('says why it could not load: no stream yet, or a stream that went back; stale once per episode, its age growing', async () => {
    const redis = new Redis(redisUrl())
    const publisher = new Redis(redisUrl())
    onTestFinished(() => { publisher.disconnect() })
    const keys = revocationKeys(redisPrefix())
    const events: Array<[string, object | undefined]> = []
    const mirror = mirrorOn(redis, keys, { events, heartbeatMs: 50, instanceId: 'episodes' })
    await mirror.ready
    const reasons = (): string[] => events.filter(([e]) => e === 'resync failed').map(([, d]) => String((d as { err?: Error }).err?.message))
    expect(reasons()[0]).toBe('no revocation stream in Redis yet')
    const expiresAt = Date.now() + 60_000
    await seed(redis, keys, Array.from({ length: 3 }, (_, i) => ({ kind: 'token' as const, subject: `jti-${i}`, generation: 0, expiresAt })))
    await until(async () => mirror.status().state === 'current', 2_000)
    await redis.set(keys.seq, '1')
    await publisher.publish(keys.channel, encodeRevocation({ seq: 7, epoch: 'e1', kind: 'token', subject: 'x', generation: 0, expiresAt }))
    await until(async () => reasons().includes('the revocation stream went back from 3 to 1'), 2_000)
    // Heartbeats retry and fail; the episode is logged once, and its age grows from its start.
    await until(async () => reasons().length >= 5, 2_000)
    expect(events.filter(([e]) => e === 'stale')).toHaveLength(1)
    expect(mirror.staleForMs()).toBeGreaterThan(0)
    expect(mirror.staleForMs()).toBeLessThan(5_000)
    // A message that follows on while stale is applied, but not reported as applied.
    await publisher.publish(keys.channel, encodeRevocation({ seq: 4, epoch: 'e1', kind: 'token', subject: 'jti-4', generation: 0, expiresAt }))
    await until(async () => mirror.isRevoked(principal({ jti: 'jti-4' })), 2_000)
    expect(await redis.hget(keys.applied, 'episodes')).toBe('e1:3')
  })
})
