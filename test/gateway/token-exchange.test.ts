import { describe, expect, it } from 'vitest'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { buildTestGateway, decodeJwt } from '../support/gateway.ts'
import { runCli } from '../support/cli.ts'

describe('POST /oauth/token', () => {
  it('exchanges a key created with the CLI for a JWT that jose verifies against the JWKS URL', async () => {
    const gw = await buildTestGateway()
    const created = await runCli(['keys', 'create', '--owner', 'billing', '--scopes', 'orders:read,orders:write', '--json'], {
      DATABASE_URL: gw.db.url,
      LOG_LEVEL: 'silent'
    })
    expect(created.code, created.stderr).toBe(0)
    const { key, keyId } = JSON.parse(created.stdout) as { key: string, keyId: string }

    const address = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const res = await fetch(`${address}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key })
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.json() as { access_token: string, token_type: string, expires_in: number, scope: string }
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'orders:read orders:write' })

    const jwks = createRemoteJWKSet(new URL(`${address}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
      issuer: 'http://keygate.test',
      audience: 'keygate',
      typ: 'at+jwt',
      algorithms: ['EdDSA']
    })
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(protectedHeader.typ).toBe('at+jwt')
    expect(typeof protectedHeader.kid).toBe('string')
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300)
    expect(payload).toMatchObject({ sub: 'billing', client_id: keyId, scope: 'orders:read orders:write' })

    const again = await gw.exchange(key)
    expect(again.statusCode).toBe(200)
    const second = decodeJwt(again.json<{ access_token: string }>().access_token).payload
    expect(second.jti).not.toBe(payload.jti)
  })

  it('accepts the key as the password of HTTP Basic, with the keyId as client_id', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey()
    const res = await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${record.keyId}:${key}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded'
      },
      payload: 'grant_type=client_credentials'
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(decodeJwt(res.json<{ access_token: string }>().access_token).payload.client_id).toBe(record.keyId)
  })

  it('accepts client_id in the body when it equals the keyId, and refuses another client_id', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey()
    expect((await gw.exchange(key, { client_id: record.keyId })).statusCode).toBe(200)
    const other = await gw.exchange(key, { client_id: 'someoneElse' })
    expect(other.statusCode).toBe(401)
    expect(other.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('refuses two authentication methods at once', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey()
    const res = await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${Buffer.from(`${record.keyId}:${key}`).toString('base64')}` },
      payload: { grant_type: 'client_credentials', client_secret: key }
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('down-scopes to a subset of the key scopes', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey({ scopes: ['orders:read', 'orders:write', 'refunds:create'] })
    const res = await gw.exchange(key, { scope: 'orders:read refunds:create' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ scope: 'orders:read refunds:create' })
    expect(decodeJwt(res.json<{ access_token: string }>().access_token).payload.scope).toBe('orders:read refunds:create')
  })

  it('refuses a scope the key lacks with 400 invalid_scope', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey({ scopes: ['orders:read'] })
    const res = await gw.exchange(key, { scope: 'orders:read orders:write' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_scope' })
  })

  it('limits the audience to the key audiences (RFC 8707 invalid_target)', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey({ audiences: ['orders-api', 'billing-api'] })

    const all = await gw.exchange(key)
    expect(decodeJwt(all.json<{ access_token: string }>().access_token).payload.aud).toEqual(['orders-api', 'billing-api'])

    const one = await gw.exchange(key, { audience: 'billing-api' })
    expect(one.statusCode).toBe(200)
    expect(decodeJwt(one.json<{ access_token: string }>().access_token).payload.aud).toBe('billing-api')

    const other = await gw.exchange(key, { audience: 'payroll-api' })
    expect(other.statusCode).toBe(400)
    expect(other.json()).toMatchObject({ error: 'invalid_target' })
  })

  it('uses KEYGATE_DEFAULT_AUDIENCE for keys that list no audience', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_DEFAULT_AUDIENCE: 'internal' } })
    const { key } = await gw.createKey()
    const res = await gw.exchange(key)
    expect(decodeJwt(res.json<{ access_token: string }>().access_token).payload.aud).toBe('internal')
    expect((await gw.exchange(key, { audience: 'elsewhere' })).json()).toMatchObject({ error: 'invalid_target' })
  })

  it('honours KEYGATE_TOKEN_TTL in exp and expires_in', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_TOKEN_TTL: '60' } })
    const { key } = await gw.createKey()
    const res = await gw.exchange(key)
    expect(res.json()).toMatchObject({ expires_in: 60 })
    const { payload } = decodeJwt(res.json<{ access_token: string }>().access_token)
    expect(Number(payload.exp) - Number(payload.iat)).toBe(60)
  })
})
