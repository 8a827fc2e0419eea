import { describe, expect, it } from 'vitest'
import { buildTestGateway, decodeJwt } from '../support/gateway.ts'
import { until } from '../support/until.ts'

describe('the life of a key, through the admin API', () => {
  it('bootstrap admin → create → exchange → rotate with grace → disable → enable → revoke, all audited in order', async () => {
    const gw = await buildTestGateway()
    const bootstrap = await gw.createKey({ owner: 'keygate', name: 'bootstrap admin', scopes: ['keygate:admin'] })
    const adminToken = (await gw.exchange(bootstrap.key)).json<{ access_token: string }>().access_token
    const headers = { authorization: `Bearer ${adminToken}`, 'user-agent': 'lifecycle-test' }
    const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
      gw.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

    const created = await admin('POST', '/admin/keys', { name: 'billing worker', owner: 'billing', scopes: ['orders:read'], metadata: { team: 'payments' } })
    expect(created.statusCode, created.body).toBe(201)
    const { key: oldKey, keyId: oldId } = created.json<{ key: string, keyId: string }>()
    expect((await gw.exchange(oldKey)).statusCode).toBe(200)

    const rotated = await admin('POST', `/admin/keys/${oldId}/rotate`, { gracePeriodSeconds: 2 })
    expect(rotated.statusCode, rotated.body).toBe(201)
    const { key: newKey, keyId: newId, scopes, metadata, rotatedFrom } = rotated.json<{ key: string, keyId: string, scopes: string[], metadata: object, rotatedFrom: string }>()
    expect({ scopes, metadata, rotatedFrom }).toEqual({ scopes: ['orders:read'], metadata: { team: 'payments' }, rotatedFrom: oldId })
    expect((await gw.exchange(oldKey)).statusCode).toBe(200)
    expect((await gw.exchange(newKey)).statusCode).toBe(200)
    await until(async () => (await gw.exchange(oldKey)).statusCode === 401, 5_000)
    expect((await gw.exchange(newKey)).statusCode).toBe(200)

    expect((await admin('POST', `/admin/keys/${newId}/disable`)).json()).toMatchObject({ state: 'disabled' })
    expect((await gw.exchange(newKey)).statusCode).toBe(401)
    expect((await admin('POST', `/admin/keys/${newId}/enable`)).json()).toMatchObject({ state: 'active' })
    expect((await gw.exchange(newKey)).statusCode).toBe(200)

    const revoked = await admin('POST', `/admin/keys/${newId}/revoke`, { reason: 'leaked in a log' })
    expect(revoked.json()).toMatchObject({ state: 'revoked', revokedReason: 'leaked in a log' })
    expect((await admin('POST', `/admin/keys/${newId}/revoke`, { reason: 'again' })).statusCode).toBe(200)
    expect((await gw.exchange(newKey)).statusCode).toBe(401)
    const enableRevoked = await admin('POST', `/admin/keys/${newId}/enable`)
    expect(enableRevoked.statusCode).toBe(409)
    expect(enableRevoked.json()).toMatchObject({ error: 'conflict' })
    expect((await admin('POST', `/admin/keys/${newId}/disable`)).statusCode).toBe(409)
    expect((await gw.exchange(newKey)).statusCode).toBe(401)

    const audit = await admin('GET', '/admin/audit')
    const entries = audit.json<{ items: Array<{ actor: string, action: string, target: string, reason: string | null, userAgent: string, clientIp: string, requestId: string }> }>().items
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ['key.create', oldId],
      ['key.rotate', oldId],
      ['key.disable', newId],
      ['key.enable', newId],
      ['key.revoke', newId]
    ])
    for (const e of entries) {
      expect(e.actor).toBe(bootstrap.record.keyId)
      expect(e.userAgent).toBe('lifecycle-test')
      expect(e.clientIp).toBe('127.0.0.1')
      expect(e.requestId).toBeTruthy()
    }
    expect(entries[4]?.reason).toBe('leaked in a log')
  })

  it('revoking an owner revokes all and only that owner\'s keys', async () => {
    const gw = await buildTestGateway()
    const { key: adminKey } = await gw.createKey({ owner: 'ops', scopes: ['keygate:admin'] })
    const headers = { authorization: `Bearer ${(await gw.exchange(adminKey)).json<{ access_token: string }>().access_token}` }
    const a = await Promise.all([gw.createKey({ owner: 'acme' }), gw.createKey({ owner: 'acme' }), gw.createKey({ owner: 'acme' })])
    const b = await Promise.all([gw.createKey({ owner: 'acme-2' }), gw.createKey({ owner: 'other' })])

    const res = await gw.app.inject({ method: 'POST', url: '/admin/owners/acme/revoke', headers, payload: { reason: 'contract ended' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json<{ revoked: string[] }>().revoked.sort()).toEqual(a.map((k) => k.record.keyId).sort())
    for (const { key } of a) expect((await gw.exchange(key)).statusCode).toBe(401)
    for (const { key } of b) expect((await gw.exchange(key)).statusCode).toBe(200)
  })

  it('tokens carry what the key says at exchange: a PATCH of scopes applies to the next token', async () => {
    const gw = await buildTestGateway()
    const { key: adminKey } = await gw.createKey({ owner: 'ops', scopes: ['keygate:admin'] })
    const headers = { authorization: `Bearer ${(await gw.exchange(adminKey)).json<{ access_token: string }>().access_token}` }
    const { key, record } = await gw.createKey({ scopes: ['a'] })
    const patched = await gw.app.inject({ method: 'PATCH', url: `/admin/keys/${record.keyId}`, headers, payload: { scopes: ['a', 'b'], name: 'renamed', expiresAt: null } })
    expect(patched.json()).toMatchObject({ scopes: ['a', 'b'], name: 'renamed', expiresAt: null })
    expect(decodeJwt((await gw.exchange(key)).json<{ access_token: string }>().access_token).payload.scope).toBe('a b')
  })
})
