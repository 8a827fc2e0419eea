import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import pg from 'pg'
import { migrate, startEmbeddedPostgres } from '@keygate/gateway'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { adminHeaders, buildTestGateway, fileDatabase, fileMasterKey } from '../support/gateway.ts'
import type { RunningProcess } from '../support/process.ts'
import { spawnGateway, spawnService } from '../support/processes.ts'
import { freePort } from '../support/redis-server.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { until } from '../support/until.ts'

const running: RunningProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})

/** A Postgres of the test's own, migrated, to stop and start at will (the shared one is never stopped); removed after the test. */
async function ownPostgres (): Promise<{ url: string, stop (): Promise<void>, start (): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-outage-'))
  await chmod(dir, 0o711)
  const port = await freePort()
  let server = await startEmbeddedPostgres(join(dir, 'data'), { port })
  onTestFinished(async () => {
    await server.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  const pool = new pg.Pool({ connectionString: server.url, max: 1 })
  await migrate(pool)
  await pool.end()
  return {
    url: server.url,
    stop: () => server.stop(),
    start: async () => { server = await startEmbeddedPostgres(join(dir, 'data'), { port }) }
  }
}

describe('a Postgres outage', () => {
  it('answers exchanges 503 fast, keeps tokens verifying downstream, and recovers without a restart', async () => {
    const server = await ownPostgres()
    const d = await buildDownstream({ DATABASE_URL: server.url })
    const service = await d.service()
    const { token, key } = await d.token(['orders:read'])
    expect((await service.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(200)

    await server.stop()
    const start = Date.now()
    const refused = await d.gw.exchange(key)
    expect(refused.statusCode, refused.body).toBe(503)
    expect(refused.json()).toMatchObject({ error: 'temporarily_unavailable' })
    expect(refused.headers['retry-after']).toBeTruthy()
    expect(Date.now() - start).toBeLessThan(5_000)
    expect((await d.gw.app.inject({ url: '/readyz' })).statusCode).toBe(503)
    expect((await service.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(200)

    await server.start()
    await until(async () => (await d.gw.exchange(key)).statusCode === 200, 15_000, 200)
    expect((await d.gw.app.inject({ url: '/readyz' })).statusCode).toBe(200)
  }, 60_000)
})

describe('a Postgres outage under two replicas', () => {
  it('keeps the leader and the standby running for 20 s (503 with Retry-After for exchanges and admin calls); both recover without a restart', async () => {
    const server = await ownPostgres()
    const env = { DATABASE_URL: server.url, KEYGATE_MASTER_KEY: fileMasterKey(), REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: redisPrefix(), LOG_LEVEL: 'warn' }
    const [leader, standby] = [await spawnGateway(env, running), await spawnGateway(env, running)]
    const gw = await buildTestGateway({ env: { DATABASE_URL: server.url } })
    const { key } = await gw.createKey()
    const admin = await adminHeaders(gw)
    await gw.app.close()
    const listKeys = async (url: string) => {
      const res = await fetch(`${url}/admin/keys`, { headers: { authorization: admin.authorization } })
      return { status: res.status, retryAfter: res.headers.get('retry-after') }
    }
    const exchange = async (url: string) => {
      const res = await fetch(`${url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) }).catch(() => undefined)
      return { status: res?.status, retryAfter: res?.headers.get('retry-after') }
    }
    for (const g of [leader, standby]) expect((await exchange(g.url)).status).toBe(200)

    await server.stop()
    const stoppedAt = Date.now()
    for (const g of [leader, standby]) {
      await until(async () => (await exchange(g.url)).status === 503, 10_000, 100)
      expect((await exchange(g.url)).retryAfter).toBeTruthy()
    }
    // Twenty seconds with Postgres gone, as the issue names: many relay polls, pool timeouts and reconnect attempts,
    // none of which may end either process.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - stoppedAt))))
    expect([leader.proc.child.exitCode, standby.proc.child.exitCode]).toEqual([null, null])
    for (const g of [leader, standby]) {
      expect((await exchange(g.url)).status).toBe(503)
      const listed = await listKeys(g.url)
      expect(listed.status).toBe(503)
      expect(listed.retryAfter).toBeTruthy()
    }

    await server.start()
    for (const g of [leader, standby]) await until(async () => (await exchange(g.url)).status === 200, 20_000, 200)
    for (const g of [leader, standby]) expect((await listKeys(g.url)).status).toBe(200)
    expect([leader.proc.child.exitCode, standby.proc.child.exitCode]).toEqual([null, null])
  }, 120_000)
})

describe('two gateways, two verifiers', () => {
  it('serve the same JWKS, and a revocation at either gateway reaches both verifiers', async () => {
    const db = await fileDatabase()
    const prefix = redisPrefix()
    const env = { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey(), REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix }
    const [a, b] = await Promise.all([spawnGateway(env, running), spawnGateway(env, running)])
    const jwksA = await (await fetch(`${a.url}/.well-known/jwks.json`)).json()
    const jwksB = await (await fetch(`${b.url}/.well-known/jwks.json`)).json()
    expect(jwksA).toEqual(jwksB)

    const serviceEnv = (gateway: string) => ({ KEYGATE_ISSUER: 'http://keygate.test', KEYGATE_JWKS_URL: `${gateway}/.well-known/jwks.json`, REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix })
    const services = await Promise.all([spawnService(serviceEnv(a.url), running), spawnService(serviceEnv(b.url), running)])

    const local = await buildTestGateway()
    const [x, y] = await Promise.all([local.createKey({ scopes: ['orders:read'] }), local.createKey({ scopes: ['orders:read'] })])
    const admin = await adminHeaders(local)
    await local.app.close()

    const tokenAt = async (gateway: string, key: string) => (await (await fetch(`${gateway}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })).json() as { access_token: string }).access_token
    const tx = await tokenAt(a.url, x.key)
    const ty = await tokenAt(b.url, y.key)
    const orders = async (service: string, token: string) => (await fetch(`${service}/orders`, { headers: bearer(token) })).status
    for (const s of services) for (const t of [tx, ty]) expect(await orders(s.url, t)).toBe(200)

    await fetch(`${a.url}/admin/keys/${x.record.keyId}/revoke`, { method: 'POST', headers: { authorization: admin.authorization } })
    for (const s of services) await until(async () => await orders(s.url, tx) === 401, 2_000)
    await fetch(`${b.url}/admin/keys/${y.record.keyId}/revoke`, { method: 'POST', headers: { authorization: admin.authorization } })
    for (const s of services) await until(async () => await orders(s.url, ty) === 401, 2_000)
  }, 60_000)
})
