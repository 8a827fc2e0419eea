// Limits on the endpoints that check an API key: nobody but a key's holder can stop it from being
// exchanged, every such endpoint is bounded, and the limits hold while Redis is down.
import { afterEach, describe, expect, it } from 'vitest'
import { createArgon2Hasher, formatApiKey, generateApiKey, parseApiKey } from '@keygate/gateway'
import { adminHeaders, buildTestGateway, countingHasher, withWrongSecret } from '../support/gateway.ts'
import { startRedisServer, type RedisServer } from '../support/redis-server.ts'
import { until } from '../support/until.ts'

const basic = (clientId: string, secret: string): string => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`

describe('per-key limits count what costs', () => {
  it('lets the holder exchange every time while another address floods its keyId with wrong secrets and mismatched client_ids', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_AUTH_FAILURE_LIMIT_KEY: '5', KEYGATE_EXCHANGE_CACHE_SECONDS: '1' } })
    const holder = await gw.createKey()
    const parts = parseApiKey(holder.key) as NonNullable<ReturnType<typeof parseApiKey>>
    const attacker = '127.0.0.2'
    const attack = (i: number) => i % 2 === 0
      ? gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: attacker, payload: { grant_type: 'client_credentials', client_secret: formatApiKey({ ...parts, secret: generateApiKey('kg_live').secret }) } })
      : gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: attacker, payload: { grant_type: 'client_credentials', client_id: 'someoneElse', client_secret: holder.key } })
    const holderStatuses: number[] = []
    const attackStatuses = new Map<number, number>()
    // Three rounds, each longer than the exchange cache's window: the holder's presentations are still
    // recognised and verified again, not refused by the limit the attacker filled.
    for (let round = 0; round < 3; round++) {
      const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => attack(i)))
      for (const r of flood) attackStatuses.set(r.statusCode, (attackStatuses.get(r.statusCode) ?? 0) + 1)
      holderStatuses.push((await gw.exchange(holder.key)).statusCode)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      holderStatuses.push((await gw.exchange(holder.key)).statusCode)
    }
    expect(holderStatuses).toEqual([200, 200, 200, 200, 200, 200])
    // The attacker's wrong secrets hit the limit (429 without Argon2); its mismatches were refused for free.
    expect(attackStatuses.get(429)).toBeGreaterThan(0)
    expect(attackStatuses.get(401)).toBeGreaterThan(0)
    // Counted per address: the attacker's next guess is refused before Argon2, a wrong secret from the
    // holder's address is still verified (and refused as wrong).
    const wrongGuess = { grant_type: 'client_credentials', client_secret: withWrongSecret(holder.key) }
    expect((await gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: attacker, payload: wrongGuess })).statusCode).toBe(429)
    expect((await gw.app.inject({ method: 'POST', url: '/oauth/token', payload: wrongGuess })).statusCode).toBe(401)
  })

  it('bounds Basic authentication at /oauth/revoke the same way: failed verifications per keyId, then 429 without Argon2', async () => {
    const hasher = countingHasher(createArgon2Hasher())
    const gw = await buildTestGateway({ hasher, env: { KEYGATE_AUTH_FAILURE_LIMIT_KEY: '3' } })
    const { key, record } = await gw.createKey()
    hasher.calls.verify = 0
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { authorization: basic(record.keyId, withWrongSecret(key)) }, payload: { token: 'x.y.z' } })
      statuses.push(res.statusCode)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429])
    expect(hasher.calls.verify).toBe(3)
  })

  it('puts /oauth/revoke and /oauth/introspect behind the per-address limit of the token endpoint', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_TOKEN_RATE_LIMIT_IP: '4' } })
    const { authorization } = await adminHeaders(gw)
    const { key } = await gw.createKey()
    const from = '10.1.1.1'
    const statuses: number[] = []
    for (const url of ['/oauth/introspect', '/oauth/revoke', '/oauth/introspect', '/oauth/revoke', '/oauth/introspect', '/oauth/revoke']) {
      const res = await gw.app.inject({ method: 'POST', url, remoteAddress: from, headers: { authorization }, payload: { token: 'a.b.c' } })
      statuses.push(res.statusCode)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
    const exchange = await gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: from, payload: { grant_type: 'client_credentials', client_secret: key } })
    expect(exchange.statusCode).toBe(429)
    expect(exchange.headers['retry-after']).toBeDefined()
  })
})

describe('limits while Redis is down', () => {
  let redis: RedisServer | undefined
  afterEach(async () => { await redis?.stop(); redis = undefined })

  it('counts in the process while Redis cannot answer, and in Redis again once it is back', async () => {
    redis = await startRedisServer()
    const port = redis.port
    const gw = await buildTestGateway({ env: { REDIS_URL: redis.url, KEYGATE_REDIS_PREFIX: 'kglimits:', KEYGATE_TOKEN_RATE_LIMIT_IP: '5' } })
    const { key } = await gw.createKey()
    const from = (address: string) => gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: address, payload: { grant_type: 'client_credentials', client_secret: key } })
    expect((await from('10.0.0.1')).statusCode).toBe(200)
    expect(gw.app.limits.degraded).toBe(false)

    await redis.stop()
    redis = undefined
    const during: number[] = []
    for (let i = 0; i < 12; i++) during.push((await from('10.0.0.2')).statusCode)
    expect(during).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429, 429])
    // Request counts are shared every 100 ms: a sync now finds Redis gone.
    await gw.app.limits.requests.sync()
    expect(gw.app.limits.degraded).toBe(true)
    const metrics = await gw.app.inject({ url: '/metrics' })
    expect(metrics.body).toMatch(/^keygate_rate_limits_local 1$/m)

    redis = await startRedisServer(port)
    await until(async () => gw.app.revocationFanout?.redis.status === 'ready', 10_000)
    const after: number[] = []
    for (let i = 0; i < 7; i++) after.push((await from('10.0.0.3')).statusCode)
    expect(after).toEqual([200, 200, 200, 200, 200, 429, 429])
    await gw.app.limits.requests.sync()
    expect(gw.app.limits.degraded).toBe(false)
    const shared = await gw.app.revocationFanout?.redis.keys('kglimits:limit:*')
    expect(shared?.length).toBeGreaterThan(0)
  })
})
