// Key rows kept per replica for exchanges: every change reaches every replica by NOTIFY from one trigger,
// changes made in SQL included; a last use is not a change; without the notification connection, nothing is kept.
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { Actor } from '../../apps/gateway/src/audit/store.ts'
import { buildTestGateway, decodeJwt } from '../support/gateway.ts'
import { until } from '../support/until.ts'

const actor: Actor = { id: 'row-cache-test' }

describe('key rows kept for exchanges', () => {
  const clients: pg.Client[] = []
  afterEach(async () => { for (const c of clients.splice(0)) await c.end() })
  async function connect (url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    clients.push(client)
    return client
  }

  it('refuses at another replica once it hears the revoke, having minted meanwhile only tokens the revoke voids', async () => {
    const a = await buildTestGateway()
    const b = await buildTestGateway()
    await until(async () => b.app.keyRows?.hearing === true, 5_000)
    const { key, record } = await a.createKey()
    expect((await b.exchange(key)).statusCode).toBe(200)
    expect(b.app.keyRows?.size).toBe(1)
    const before = decodeJwt((await b.exchange(key)).json<{ access_token: string }>().access_token).payload
    await a.app.keyAdmin.revoke(record.keyId, 'leaked', actor)
    // The replica that revoked forgot the row before answering.
    expect((await a.exchange(key)).statusCode).toBe(401)
    const minted: Array<Record<string, unknown>> = []
    await until(async () => {
      const res = await b.exchange(key)
      if (res.statusCode === 200) minted.push(decodeJwt(res.json<{ access_token: string }>().access_token).payload)
      return res.statusCode === 401
    }, 5_000, 1)
    // Whatever b minted before it heard carries the generation the revoke voided (every one, for a revoke).
    for (const claims of minted) expect(claims.kgen).toBe(before.kgen)
    // And b keeps refusing: the row it reads and keeps now is the revoked one.
    expect((await b.exchange(key)).statusCode).toBe(401)
  })

  it('hears a change made straight in SQL, the trigger being the one place every write passes', async () => {
    const gw = await buildTestGateway()
    await until(async () => gw.app.keyRows?.hearing === true, 5_000)
    const { key, record } = await gw.createKey({ scopes: ['orders:read', 'orders:write'] })
    expect((await gw.exchange(key, { scope: 'orders:write' })).statusCode).toBe(200)
    const sql = await connect(gw.db.url)
    await sql.query('UPDATE api_keys SET scopes = $2 WHERE key_id = $1', [record.keyId, ['orders:read']])
    await until(async () => (await gw.exchange(key, { scope: 'orders:write' })).statusCode === 400, 5_000)
    expect((await gw.exchange(key, { scope: 'orders:read' })).statusCode).toBe(200)
  })

  it('hears a key moved to another keyId under its old keyId, and a TRUNCATE, which fires no row trigger', async () => {
    const gw = await buildTestGateway()
    await until(async () => gw.app.keyRows?.hearing === true, 5_000)
    const sql = await connect(gw.db.url)
    const moved = await gw.createKey()
    expect((await gw.exchange(moved.key)).statusCode).toBe(200)
    await sql.query('UPDATE api_keys SET key_id = $2 WHERE key_id = $1', [moved.record.keyId, `${moved.record.keyId.slice(0, -1)}Z`])
    await until(async () => (await gw.exchange(moved.key)).statusCode === 401, 5_000)
    const { key } = await gw.createKey()
    expect((await gw.exchange(key)).statusCode).toBe(200)
    expect(gw.app.keyRows?.size).toBeGreaterThan(0)
    await sql.query('TRUNCATE api_keys CASCADE')
    await until(async () => gw.app.keyRows?.size === 0, 5_000)
    expect((await gw.exchange(key)).statusCode).toBe(401)
  })

  it('announces no last use: the first notification after a last-use flush is the next real change', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey()
    const listener = await connect(gw.db.url)
    const heard: string[] = []
    listener.on('notification', (message) => { if (message.channel === 'keygate_key') heard.push(message.payload ?? '') })
    await listener.query('LISTEN keygate_key')
    expect((await gw.exchange(key)).statusCode).toBe(200)
    await gw.app.lastUsed.flush()
    const { rows } = await listener.query<{ used: Date | null }>('SELECT last_used_at AS used FROM api_keys WHERE key_id = $1', [record.keyId])
    expect(rows[0]?.used).toBeInstanceOf(Date)
    await gw.app.keyAdmin.update(record.keyId, { name: 'renamed' }, actor)
    // Notifications arrive in commit order: had the last use been announced, it would be first.
    await until(async () => heard.length > 0, 5_000)
    expect(heard).toEqual([record.keyId])
  })

  it('keeps no row while the notification connection is lost, and keeps rows again once it is back', async () => {
    const gw = await buildTestGateway()
    await until(async () => gw.app.keyRows?.hearing === true, 5_000)
    const { key } = await gw.createKey()
    expect((await gw.exchange(key)).statusCode).toBe(200)
    expect(gw.app.keyRows?.size).toBe(1)
    const sql = await connect(gw.db.url)
    const { rowCount } = await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND query = 'LISTEN keygate_key'`)
    expect(rowCount).toBe(1)
    await until(async () => gw.app.keyRows?.hearing === false, 5_000)
    expect(gw.app.keyRows?.size).toBe(0)
    const metrics = await gw.app.inject({ url: '/metrics' })
    expect(metrics.body).toMatch(/^keygate_key_changes_heard 0$/m)
    await until(async () => gw.app.keyRows?.hearing === true, 10_000)
    expect((await gw.exchange(key)).statusCode).toBe(200)
    expect(gw.app.keyRows?.size).toBe(1)
  })
})
