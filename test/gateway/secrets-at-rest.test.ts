import { describe, expect, it } from 'vitest'
import { parseApiKey } from '@keygate/gateway'
import { buildTestGateway, withWrongSecret } from '../support/gateway.ts'

// Every row of every table of the public schema, as text.
async function dumpDatabase (query: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>): Promise<string> {
  const { rows: tables } = await query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
  const parts: string[] = []
  for (const { tablename } of tables) {
    const { rows } = await query(`SELECT * FROM "${String(tablename)}"`)
    parts.push(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'object' && v !== null && (v as { type?: string }).type === 'Buffer') ? Buffer.from((v as { data: number[] }).data).toString('latin1') : v))
  }
  return parts.join('\n')
}

describe('no secret in clear', () => {
  it('keeps no API key, secret or private key in the database', async () => {
    const gw = await buildTestGateway()
    const keys = await Promise.all([gw.createKey(), gw.createKey({ owner: 'team-b' }), gw.createKey({ scopes: ['keygate:admin'] })])
    for (const { key } of keys) expect((await gw.exchange(key)).statusCode).toBe(200)

    const dump = await dumpDatabase((sql) => gw.db.pool.query(sql))
    expect(dump).toContain(keys[0].record.keyId)
    for (const { key } of keys) {
      const secret = parseApiKey(key)?.secret ?? ''
      expect(secret.length).toBe(43)
      expect(dump).not.toContain(key)
      expect(dump).not.toContain(secret)
    }
    expect(dump).not.toMatch(/PRIVATE KEY/)
    expect(dump).not.toMatch(/"d":/)
  })

  it('publishes only public key material in the JWKS', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    const { keys } = res.json<{ keys: Array<Record<string, unknown>> }>()
    expect(keys.length).toBeGreaterThan(0)
    for (const jwk of keys) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
    }
  })

  it('logs no API key, secret or JWT, whatever the request carried', async () => {
    const gw = await buildTestGateway({ env: { LOG_LEVEL: 'trace' } })
    const { key, record } = await gw.createKey()
    const ok = await gw.exchange(key)
    const token = ok.json<{ access_token: string }>().access_token
    await gw.exchange(withWrongSecret(key))
    await gw.app.inject({ method: 'POST', url: `/oauth/token?client_secret=${key}`, payload: { grant_type: 'client_credentials' } })
    await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${Buffer.from(`${record.keyId}:${key}`).toString('base64')}`, 'x-request-id': key },
      payload: { grant_type: 'client_credentials' }
    })
    await gw.app.inject({ method: 'GET', url: `/nope/${token}`, headers: { authorization: `Bearer ${token}` } })
    await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: `{"client_secret":"${key}",` })

    const logs = gw.logs.text
    expect(gw.logs.lines.length).toBeGreaterThan(10)
    expect(logs).toContain(record.keyId)
    expect(logs).not.toContain(key)
    expect(logs).not.toContain(parseApiKey(key)?.secret)
    expect(logs).not.toContain(token)
    expect(logs).not.toContain(token.split('.')[2])
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/)
  })
})
