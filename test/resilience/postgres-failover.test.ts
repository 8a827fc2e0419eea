import { describe, expect, it } from 'vitest'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { adminHeaders } from '../support/gateway.ts'
import { startCuttingProxy } from '../support/cutting-proxy.ts'
import { startReplicatedPostgres } from '../support/postgres-replication.ts'
import { until } from '../support/until.ts'

describe('a Postgres failover behind the same DATABASE_URL', () => {
  it('keeps every acknowledged revocation (synchronous commit) and is followed without a restart', async () => {
    const pg = await startReplicatedPostgres()
    // The gateway's DATABASE_URL names the proxy, as it would name a pooler or a DNS name that moves.
    const proxy = await startCuttingProxy(pg.primary.port)
    const viaProxy = new URL(pg.primary.url)
    viaProxy.port = String(proxy.port)
    const d = await buildDownstream({ DATABASE_URL: viaProxy.toString() })
    const service = await d.service()
    const admin = await adminHeaders(d.gw)
    const revoked = await Promise.all(Array.from({ length: 10 }, () => d.token()))
    const kept = await d.token()
    const orders = async (token: string) => (await service.inject({ url: '/orders', headers: bearer(token) })).statusCode

    // Each revocation is acknowledged, then the primary crashes at once: nothing it did not send is saved.
    for (const { keyId } of revoked) {
      const res = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke`, headers: { authorization: admin.authorization } })
      expect(res.statusCode, res.body).toBe(200)
    }
    await pg.crashPrimary()
    // The name moves before the standby is promoted: a write reaches a read-only server and is told to retry.
    proxy.switchTo(pg.standby.port)
    const early = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${kept.keyId}/revoke`, headers: { authorization: admin.authorization } })
    expect(early.statusCode, early.body).toBe(503)
    expect(early.headers['retry-after']).toBeTruthy()
    await pg.promoteStandby()

    // The promoted standby holds every revocation that was acknowledged, and its outbox entries.
    const rows = await pg.query<{ key_id: string, revoked: boolean }>(pg.standby.url,
      'SELECT key_id, revoked_at IS NOT NULL AS revoked FROM api_keys WHERE key_id = ANY($1)', [revoked.map((r) => r.keyId)])
    expect(rows.filter((r) => r.revoked)).toHaveLength(revoked.length)

    // The same gateway process goes on, on the new primary: exchanges, refusals, and a new revocation published.
    await until(async () => (await d.gw.exchange(kept.key)).statusCode === 200, 20_000, 100)
    for (const { key, token } of revoked) {
      expect((await d.gw.exchange(key)).statusCode).toBe(401)
      await until(async () => await orders(token) === 401, 5_000, 20)
    }
    expect(await orders(kept.token)).toBe(200)
    const late = await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${kept.keyId}/revoke`, headers: { authorization: admin.authorization } })
    expect(late.statusCode, late.body).toBe(200)
    await until(async () => await orders(kept.token) === 401, 10_000, 20)
    expect((await d.gw.app.inject({ url: '/readyz' })).statusCode).toBe(200)
  }, 120_000)
})
