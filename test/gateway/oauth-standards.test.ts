// What a standard OAuth client expects of the token endpoint, the admin challenges, the router and the
// metadata (RFC 6749 §3.2 and §5.2, RFC 6750 §2.1 and §3.1, RFC 8414, RFC 8707).
import { describe, expect, it } from 'vitest'
import { adminHeaders, buildTestGateway, decodeJwt } from '../support/gateway.ts'

const form = { 'content-type': 'application/x-www-form-urlencoded' }

describe('OAuth parameters', () => {
  it('treats a parameter sent without a value as omitted', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey({ audiences: ['orders-api'] })
    const res = await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=&audience=&scope=&resource=&client_secret=${key}` })
    expect(res.statusCode, res.body).toBe(200)
    expect(decodeJwt(res.json<{ access_token: string }>().access_token).payload).toMatchObject({ aud: 'orders-api', client_id: record.keyId })
    const revoke = await gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: form, payload: `token=a.b.c&token_type_hint=&client_id=&client_secret=${key}` })
    expect(revoke.statusCode, revoke.body).toBe(200)
  })

  it('takes RFC 8707 resource, one or several, beside audience; invalid_target for one the key may not have', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey({ audiences: ['orders-api', 'billing-api', 'audit-api'] })
    const exchange = (params: string) => gw.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_secret=${key}&${params}` })
    const aud = async (params: string) => decodeJwt((await exchange(params)).json<{ access_token: string }>().access_token).payload.aud
    expect(await aud('resource=orders-api')).toBe('orders-api')
    expect(await aud('resource=orders-api&resource=billing-api')).toEqual(['orders-api', 'billing-api'])
    expect(await aud('audience=audit-api&resource=orders-api')).toEqual(['audit-api', 'orders-api'])
    expect(await aud('resource=orders-api&audience=orders-api')).toBe('orders-api')
    const refused = await exchange('resource=orders-api&resource=payroll-api')
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ error: 'invalid_target' })
  })

  it('answers 429 with an RFC 6749 body that clients retry on, and Retry-After', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_TOKEN_RATE_LIMIT_IP: '1' } })
    const { key } = await gw.createKey()
    await gw.exchange(key)
    const limited = await gw.exchange(key)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/retry/i) as unknown })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
  })
})

describe('Bearer at the admin API', () => {
  it('takes one or more spaces after Bearer, and the scheme in any case', async () => {
    const gw = await buildTestGateway()
    const { authorization } = await adminHeaders(gw)
    const token = authorization.slice('Bearer '.length)
    for (const header of [`Bearer ${token}`, `Bearer    ${token}`, `bearer ${token}`, `BEARER  ${token}`]) {
      const res = await gw.app.inject({ url: '/admin/keys', headers: { authorization: header } })
      expect(res.statusCode, header.slice(0, 12)).toBe(200)
    }
  })

  it('challenges a request without credentials with the realm alone, and a bad token with the error and its reason in words', async () => {
    const gw = await buildTestGateway()
    const none = await gw.app.inject({ url: '/admin/keys' })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="keygate"')
    const bad = await gw.app.inject({ url: '/admin/keys', headers: { authorization: 'Bearer abc.def.ghi' } })
    expect(bad.statusCode).toBe(401)
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="keygate", error="invalid_token", error_description="[^"]+"$/)
    expect(bad.body).not.toMatch(/FAST_JWT|FST_/)
  })
})

describe('router errors and metadata', () => {
  it('answers a malformed or over-long URL with an RFC 6749 body that does not echo the URL', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    for (const [url, status] of [[`/admin/keys/${key}${'x'.repeat(200)}`, 414], [`/admin/keys/%zz${key}`, 400], [`/oauth/%E0%A4%A${key}`, 400]] as const) {
      const res = await gw.app.inject({ url })
      expect(res.statusCode, url.slice(0, 20)).toBe(status)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
      expect(res.body).not.toContain(key.slice(0, 20))
    }
    expect(gw.logs.lines.join('\n')).not.toContain(key)
  })

  it('advertises only what the gateway does (RFC 8414)', async () => {
    const gw = await buildTestGateway()
    const metadata = (await gw.app.inject({ url: '/.well-known/oauth-authorization-server' })).json<Record<string, unknown>>()
    expect(metadata).not.toHaveProperty('scopes_supported')
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
    // What client assertions may be signed with: the keypair keys' algorithms, nothing else.
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toEqual(['EdDSA', 'Ed25519', 'ES256'])
    const openid = await gw.app.inject({ url: '/.well-known/openid-configuration' })
    expect(openid.statusCode).toBe(404)
    expect(openid.json<{ error_description: string }>().error_description).toContain('/.well-known/oauth-authorization-server')
  })

  it('serves /metrics from memory, and behind a bearer token when KEYGATE_METRICS_TOKEN is set', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_METRICS_TOKEN: 'scrape-token-0123456789' } })
    let queries = 0
    const query = gw.app.db.query.bind(gw.app.db)
    gw.app.db.query = ((...args: Parameters<typeof query>) => { queries++; return query(...args) }) as typeof query
    const none = await gw.app.inject({ url: '/metrics' })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="keygate"')
    expect((await gw.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-012345678X' } })).statusCode).toBe(401)
    const scraped = await gw.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } })
    expect(scraped.statusCode).toBe(200)
    expect(scraped.body).toMatch(/^keygate_revocation_outbox_pending \d+$/m)
    expect(scraped.body).toMatch(/^keygate_argon2_active 0$/m)
    expect(queries).toBe(0)
  })
})
