import { afterEach, describe, expect, it } from 'vitest'
import { buildTestGateway, fileDatabase, fileMasterKey, adminHeaders } from '../support/gateway.ts'
import { bearer, buildDownstream } from '../support/downstream.ts'
import type { RunningProcess } from '../support/process.ts'
import { spawnGateway as spawnGatewayProcess, spawnService as spawnServiceProcess } from '../support/processes.ts'
import { startRedisServer } from '../support/redis-server.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { until } from '../support/until.ts'

const running: RunningProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})

const spawnService = async (env: Record<string, string>): Promise<string> => (await spawnServiceProcess(env, running)).url
const spawnGateway = (env: Record<string, string>) => spawnGatewayProcess(env, running)

const status = async (url: string, token: string): Promise<number> => (await fetch(`${url}/orders`, { headers: bearer(token) })).status

describe('revocation reaches every verifier', () => {
  it('makes two example-service processes refuse a revoked key\'s tokens once the revocation is answered, and reports it', async () => {
    const d = await buildDownstream()
    const env = { KEYGATE_ISSUER: d.gw.config.issuer, KEYGATE_JWKS_URL: `${d.gatewayUrl}/.well-known/jwks.json`, REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: d.prefix }
    const services = await Promise.all([spawnService(env), spawnService(env)])
    // Healthy means current, and a current verifier is registered: both count as live from here on.
    await Promise.all(services.map((url) => until(async () => (await fetch(`${url}/healthz`)).status === 200, 10_000)))
    const { authorization } = await adminHeaders(d.gw)
    const { token, keyId } = await d.token(['orders:read'])
    for (const url of services) expect(await status(url, token)).toBe(200)

    const revoked = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke?wait=true`, headers: { authorization } })
    expect(revoked.statusCode, revoked.body).toBe(200)
    expect(revoked.json<{ propagated: { applied: number, live: number } }>().propagated).toMatchObject({ applied: 2, live: 2, complete: true })
    for (const url of services) expect(await status(url, token)).toBe(401)
  })

  it('keeps serving through a Redis outage within the staleness bound, fails closed after it, and loses no revocation', async () => {
    const redis = await startRedisServer()
    try {
      const d = await buildDownstream({ REDIS_URL: redis.url })
      const service = await d.service({ maxRevocationStalenessMs: 1_500, redis: redis.url })
      const { authorization } = await adminHeaders(d.gw)
      const [a, b, c] = await Promise.all([d.token(), d.token(), d.token()])
      const orders = async (token: string) => (await service.inject({ url: '/orders', headers: bearer(token) })).statusCode

      await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${a.keyId}/revoke?wait=true`, headers: { authorization } })
      await until(async () => await orders(a.token) === 401, 1_000)

      await redis.stop()
      expect(await orders(b.token)).toBe(200)
      const during = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${b.keyId}/revoke`, headers: { authorization } })
      expect(during.statusCode, during.body).toBe(200)
      const outageStart = Date.now()
      await until(async () => await orders(c.token) === 503, 5_000, 50)
      expect(Date.now() - outageStart).toBeGreaterThan(500)
      expect((await service.inject({ url: '/healthz' })).statusCode).toBe(503)

      const restarted = await startRedisServer(redis.port)
      try {
        await until(async () => await orders(c.token) === 200, 10_000, 50)
        expect(await orders(a.token)).toBe(401)
        expect(await orders(b.token)).toBe(401)
        expect((await service.inject({ url: '/healthz' })).statusCode).toBe(200)
      } finally {
        await restarted.stop()
      }
    } finally {
      await redis.stop()
    }
  })

  it('keeps every acknowledged revocation in force after the gateway is killed (SIGKILL) and restarted', async () => {
    const gw = await buildTestGateway()
    const db = await fileDatabase()
    const prefix = redisPrefix()
    const env = { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey(), REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' }
    const keys = await Promise.all(Array.from({ length: 8 }, () => gw.createKey({ scopes: ['orders:read'] })))
    const admin = await gw.createKey({ owner: 'ops', scopes: ['keygate:admin'] })
    await gw.app.close()

    const first = await spawnGateway(env)
    const service = await spawnService({ KEYGATE_ISSUER: 'http://keygate.test', KEYGATE_JWKS_URL: `${first.url}/.well-known/jwks.json`, REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix })
    const exchange = async (key: string) => (await (await fetch(`${first.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })).json() as { access_token: string }).access_token
    const tokens = await Promise.all(keys.map((k) => exchange(k.key)))
    const authorization = `Bearer ${await exchange(admin.key)}`
    for (const t of tokens) expect(await status(service, t)).toBe(200)

    const acks = await Promise.all(keys.map(async (k) => (await fetch(`${first.url}/admin/keys/${k.record.keyId}/revoke`, { method: 'POST', headers: { authorization } })).status))
    first.proc.child.kill('SIGKILL')
    expect(acks.every((s) => s === 200)).toBe(true)
    await first.proc.exited

    const second = await spawnGateway({ ...env, PORT: new URL(first.url).port })
    for (const t of tokens) await until(async () => await status(service, t) === 401, 5_000)
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM revocation_outbox WHERE published_at IS NULL')
    expect(Number(rows[0]?.n)).toBe(0)
    second.proc.child.kill('SIGTERM')
  })

  it('does not call a revocation complete when no verifier is listening', async () => {
    const d = await buildDownstream()
    const ops = await adminHeaders(d.gw)
    const { keyId } = await d.token()
    const revoked = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke?wait=true`, headers: ops })
    expect(revoked.statusCode).toBe(200)
    expect(revoked.json<{ propagated: unknown }>().propagated).toMatchObject({ applied: 0, live: 0, complete: false })
  })
})
