import { describe, expect, it } from 'vitest'
import { buildTestGateway } from '../support/gateway.ts'

describe('per-key policy at exchange', () => {
  it('refuses a key with an IP allowlist from another address, directly', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey({ ipAllowlist: ['10.1.0.0/16', '2001:db8::/32'] })
    const from = (remoteAddress: string) => gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress, payload: { grant_type: 'client_credentials', client_secret: key } })
    expect((await from('10.1.2.3')).statusCode).toBe(200)
    expect((await from('2001:db8::7')).statusCode).toBe(200)
    const refused = await from('10.2.0.1')
    expect(refused.statusCode).toBe(401)
    expect(refused.json()).toMatchObject({ error: 'invalid_client' })
    // Without trust, X-Forwarded-For is not the client address.
    const spoofed = await gw.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: '192.0.2.1', headers: { 'x-forwarded-for': '10.1.2.3' }, payload: { grant_type: 'client_credentials', client_secret: key } })
    expect(spoofed.statusCode).toBe(401)
  })

  it('takes the client address from X-Forwarded-For when the proxy is trusted', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_TRUST_PROXY: '127.0.0.1' } })
    const { key } = await gw.createKey({ ipAllowlist: ['203.0.113.0/24'] })
    const via = (forwarded: string, remoteAddress = '127.0.0.1') => gw.app.inject({
      method: 'POST', url: '/oauth/token', remoteAddress, headers: { 'x-forwarded-for': forwarded }, payload: { grant_type: 'client_credentials', client_secret: key }
    })
    expect((await via('203.0.113.9')).statusCode).toBe(200)
    expect((await via('198.51.100.4')).statusCode).toBe(401)
    // A proxy that is not trusted cannot vouch for an address.
    expect((await via('203.0.113.9', '192.0.2.50')).statusCode).toBe(401)
  })

  it('records lastUsedAt in batches, not one write per exchange', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey()
    for (let i = 0; i < 3; i++) expect((await gw.exchange(key)).statusCode).toBe(200)
    const lastUsed = async () => (await gw.db.pool.query<{ t: Date | null }>('SELECT last_used_at AS t FROM api_keys WHERE key_id = $1', [record.keyId])).rows[0]?.t
    expect(await lastUsed()).toBeNull()
    expect(gw.app.lastUsed.pending).toBe(1)
    await gw.app.lastUsed.flush()
    const at = await lastUsed()
    expect(at).toBeInstanceOf(Date)
    expect(Math.abs(Date.now() - (at as Date).getTime())).toBeLessThan(10_000)
    expect(gw.app.lastUsed.pending).toBe(0)
  })
})

describe('listing keys page by page', () => {
  it('yields no duplicate and no gap among 1,000 keys while other keys are inserted', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_ADMIN_RATE_LIMIT: '100000' } })
    const { key: adminKey } = await gw.createKey({ owner: 'ops', scopes: ['keygate:admin'] })
    const authorization = `Bearer ${(await gw.exchange(adminKey)).json<{ access_token: string }>().access_token}`
    // Rows made in SQL: 1,000 Argon2 hashes would only slow the test; listing never reads the hash.
    const insert = (owner: string, n: number) => gw.db.pool.query(
      `INSERT INTO api_keys (key_id, prefix, environment, last4, secret_hash, owner, name)
       SELECT $1 || g || md5(random()::text), 'kg_live', 'live', 'abcd', 'unused', $1, 'bulk' FROM generate_series(1, $2) g`, [owner, n])
    await insert('bulk', 1000)
    const { rows } = await gw.db.pool.query<{ k: string }>("SELECT key_id AS k FROM api_keys WHERE owner = 'bulk'")
    const expected = new Set(rows.map((r) => r.k))

    const seen: string[] = []
    let cursor: string | null = null
    let concurrent = 0
    do {
      const url: string = `/admin/keys?owner=bulk&limit=37${cursor ? `&cursor=${cursor}` : ''}`
      const page = (await gw.app.inject({ url, headers: { authorization } })).json<{ items: Array<{ keyId: string }>, nextCursor: string | null }>()
      seen.push(...page.items.map((i) => i.keyId))
      cursor = page.nextCursor
      if (concurrent++ < 10) await insert('bulk', 5)
    } while (cursor)

    const firstThousand = seen.filter((k) => expected.has(k))
    expect(new Set(seen).size).toBe(seen.length)
    expect(firstThousand).toHaveLength(1000)
    expect(seen.slice(0, 1000)).toEqual(firstThousand)
  })
})
