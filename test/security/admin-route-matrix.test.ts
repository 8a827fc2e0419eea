import { describe, expect, it } from 'vitest'
import { parseApiKey } from '@keygate/gateway'
import { buildTestGateway, adminHeaders, decodeJwt, mintWithGatewayKey, type TestGateway } from '../support/gateway.ts'
import { forgeJwt, foreignEd25519Key } from '../support/forge.ts'

// Every admin route, with a body that would be valid: the matrix must fail for auth reasons alone.
const ROUTES: Array<{ method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object }> = [
  { method: 'POST', url: '/admin/keys', payload: { name: 'n', owner: 'o', scopes: ['a'] } },
  { method: 'GET', url: '/admin/keys' },
  { method: 'GET', url: '/admin/keys/KEYID' },
  { method: 'PATCH', url: '/admin/keys/KEYID', payload: { name: 'x' } },
  { method: 'POST', url: '/admin/keys/KEYID/revoke', payload: {} },
  { method: 'POST', url: '/admin/keys/KEYID/rotate', payload: {} },
  { method: 'POST', url: '/admin/keys/KEYID/disable' },
  { method: 'POST', url: '/admin/keys/KEYID/enable' },
  { method: 'POST', url: '/admin/owners/team-a/revoke', payload: {} },
  { method: 'GET', url: '/admin/audit' },
  { method: 'GET', url: '/admin/signing-keys' },
  { method: 'POST', url: '/admin/signing-keys/rotate', payload: {} },
  { method: 'POST', url: '/admin/signing-keys/some-kid/revoke' },
  { method: 'GET', url: '/admin/verifiers' }
]

async function call (gw: TestGateway, route: typeof ROUTES[number], keyId: string, authorization?: string) {
  return gw.app.inject({
    method: route.method,
    url: route.url.replace('KEYID', keyId),
    headers: authorization ? { authorization } : {},
    ...(route.payload ? { payload: route.payload } : {})
  })
}

describe('admin route security matrix', () => {
  it('refuses every admin route without a token, with a non-admin token, and with forged or foreign tokens', async () => {
    const gw = await buildTestGateway()
    const target = await gw.createKey({ owner: 'team-a' })
    const { authorization: admin } = await adminHeaders(gw)
    const { authorization: plain } = await adminHeaders(gw, ['orders:read'])
    const claims = decodeJwt(admin.slice(7)).payload
    const header = decodeJwt(admin.slice(7)).header
    const foreign = foreignEd25519Key()

    const unauthenticated: Record<string, string | undefined> = {
      'no token': undefined,
      'not a bearer': 'Basic abc',
      'not a JWT': 'Bearer not-a-jwt',
      'alg none': `Bearer ${forgeJwt({ ...header, alg: 'none' }, claims)}`,
      'HS256 with the public key as secret': `Bearer ${forgeJwt({ ...header, alg: 'HS256' }, claims, { hmacSecret: JSON.stringify((await gw.app.inject({ url: '/.well-known/jwks.json' })).json()) })}`,
      'foreign key, our kid': `Bearer ${forgeJwt(header, claims, { ed25519: foreign })}`,
      'foreign issuer': `Bearer ${forgeJwt({ ...header, kid: 'other' }, { ...claims, iss: 'https://evil.example' }, { ed25519: foreign })}`,
      'payload changed after signing': `Bearer ${admin.slice(7).split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, sub: 'root' })).toString('base64url')}.${admin.split('.')[2]}`,
      'signature stripped': `Bearer ${admin.slice(7).split('.').slice(0, 2).join('.')}.`
    }
    for (const route of ROUTES) {
      for (const [name, authorization] of Object.entries(unauthenticated)) {
        const res = await call(gw, route, target.record.keyId, authorization)
        expect(res.statusCode, `${route.method} ${route.url} ${name}: ${res.body}`).toBe(401)
        expect(res.json()).toMatchObject({ error: 'invalid_token' })
        // RFC 6750 §3.1: without credentials, the challenge carries no error code.
        if (name === 'no token' || name === 'not a bearer') expect(res.headers['www-authenticate']).toBe('Bearer realm="keygate"')
        else expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="keygate", error="invalid_token"/)
      }
      const forbidden = await call(gw, route, target.record.keyId, plain)
      expect(forbidden.statusCode, `${route.method} ${route.url}: ${forbidden.body}`).toBe(403)
      expect(forbidden.json()).toMatchObject({ error: 'insufficient_scope' })
      expect(forbidden.headers['www-authenticate']).toMatch(/error="insufficient_scope"/)
    }
    // The refusals are in the audit log, at most ten a minute from one address: the first route's nine
    // 401s, then its 403 with the keyId of the token that lacked the scope.
    const { rows } = await gw.db.pool.query<{ actor: string, client_ip: string, details: { status: number, keyId?: string, route: string } }>(
      "SELECT actor, client_ip, details FROM audit_log WHERE action = 'admin.refused' ORDER BY id")
    expect(rows).toHaveLength(10)
    expect(rows.slice(0, 9).every((r) => r.details.status === 401 && r.details.keyId === undefined && r.client_ip === '127.0.0.1')).toBe(true)
    expect(rows[9]?.details).toMatchObject({ status: 403, keyId: decodeJwt(plain.slice(7)).payload.client_id, route: '/admin/keys' })
  })

  it('refuses tokens of a disabled, then revoked, admin key, and expired tokens', async () => {
    const gw = await buildTestGateway()
    const { authorization, keyId } = await adminHeaders(gw)
    const { authorization: other } = await adminHeaders(gw)
    expect((await gw.app.inject({ url: '/admin/keys', headers: { authorization } })).statusCode).toBe(200)

    await gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/disable`, headers: { authorization: other } })
    expect((await gw.app.inject({ url: '/admin/keys', headers: { authorization } })).statusCode).toBe(401)
    await gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/enable`, headers: { authorization: other } })
    await gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke`, headers: { authorization: other } })
    for (const route of ROUTES) {
      expect((await call(gw, route, keyId, authorization)).statusCode).toBe(401)
    }
  })

  it('refuses admin tokens that are expired, not yet valid, or live longer than the maximum', async () => {
    const gw = await buildTestGateway()
    const { keyId } = await adminHeaders(gw)
    const now = Date.now()
    const cases = {
      'expired beyond the clock tolerance': await mintWithGatewayKey(gw, { clientId: keyId, scope: 'keygate:admin', nowMs: now - 400_000 }),
      'issued in the future': await mintWithGatewayKey(gw, { clientId: keyId, scope: 'keygate:admin', nowMs: now + 120_000 }),
      'lifetime above 3600 s': await mintWithGatewayKey(gw, { clientId: keyId, scope: 'keygate:admin', nowMs: now, ttlSeconds: 7200 })
    }
    const fresh = await mintWithGatewayKey(gw, { clientId: keyId, scope: 'keygate:admin', nowMs: now })
    expect((await gw.app.inject({ url: '/admin/keys', headers: { authorization: `Bearer ${fresh}` } })).statusCode).toBe(200)
    for (const [name, token] of Object.entries(cases)) {
      const res = await gw.app.inject({ url: '/admin/keys', headers: { authorization: `Bearer ${token}` } })
      expect(res.statusCode, name).toBe(401)
    }
  })

  it('with an admin audience, refuses admin tokens minted for any other audience, on every admin route', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_ADMIN_AUDIENCE: 'keygate-admin' } })
    const target = await gw.createKey({ owner: 'team-a', audiences: ['orders'] })
    const serviceToken = (await gw.exchange(target.key)).json<{ access_token: string }>().access_token
    const admin = await gw.createKey({ owner: 'ops', name: 'admin', scopes: ['keygate:admin'], audiences: ['orders', 'keygate-admin'] })
    const plain = await gw.createKey({ owner: 'ops', name: 'admin, no audience', scopes: ['keygate:admin'] })
    const tokenFor = async (key: string, extra: Record<string, string> = {}) => `Bearer ${(await gw.exchange(key, extra)).json<{ access_token: string }>().access_token}`
    const foreign = {
      'a token for a service': await tokenFor(admin.key, { audience: 'orders' }),
      'a token for the default audience': await tokenFor(plain.key)
    }
    const oauthRoutes: typeof ROUTES = [
      { method: 'POST', url: '/oauth/introspect', payload: { token: serviceToken } },
      { method: 'POST', url: '/oauth/revoke', payload: { token: serviceToken } }
    ]
    for (const route of [...ROUTES, ...oauthRoutes]) {
      for (const [name, authorization] of Object.entries(foreign)) {
        const res = await call(gw, route, target.record.keyId, authorization)
        expect(res.statusCode, `${route.method} ${route.url} ${name}: ${res.body}`).toBe(401)
        expect(res.json()).toMatchObject({ error: 'invalid_token' })
      }
    }

    // Asked for, or among the key's audiences: the token opens the admin API, and a token for a service
    // can still be introspected by it.
    for (const authorization of [await tokenFor(admin.key, { audience: 'keygate-admin' }), await tokenFor(admin.key)]) {
      expect((await gw.app.inject({ url: '/admin/keys', headers: { authorization } })).statusCode).toBe(200)
      const introspected = await gw.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization }, payload: { token: serviceToken } })
      expect(introspected.json()).toMatchObject({ active: true, aud: 'orders' })
    }
  })

  it('answers 404 for an unknown keyId and 400 naming the field for bad bodies', async () => {
    const gw = await buildTestGateway()
    const { authorization } = await adminHeaders(gw)
    for (const route of ROUTES.filter((r) => r.url.includes('KEYID'))) {
      const res = await call(gw, route, 'nosuchkey', authorization)
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(404)
      expect(res.json()).toMatchObject({ error: 'not_found' })
    }
    const bad: Array<[object, string]> = [
      [{ owner: 'o', scopes: ['a'] }, 'name'],
      [{ name: 'n', owner: 'o', scopes: ['has space'] }, 'scopes'],
      [{ name: 'n', owner: 'o', scopes: ['a'], expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ name: 'n', owner: 'o', scopes: ['a'], ipAllowlist: ['10.0.0.0/33'] }, 'ipAllowlist'],
      [{ name: 'n', owner: 'o', scopes: ['a'], unknown: 1 }, 'unknown'],
      [{ name: 'n'.repeat(500), owner: 'o', scopes: ['a'] }, 'name']
    ]
    for (const [payload, field] of bad) {
      const res = await gw.app.inject({ method: 'POST', url: '/admin/keys', headers: { authorization }, payload })
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json<{ error_description: string }>().error_description, JSON.stringify(payload)).toContain(field)
    }
    const badCursor = await gw.app.inject({ url: '/admin/keys?cursor=zzz', headers: { authorization } })
    expect(badCursor.statusCode).toBe(400)
  })

  it('never returns a secret or a hash from any admin route', async () => {
    const gw = await buildTestGateway()
    const { authorization } = await adminHeaders(gw)
    const target = await gw.createKey({ owner: 'team-a' })
    const { rows } = await gw.db.pool.query<{ h: string }>('SELECT secret_hash AS h FROM api_keys')
    const hashes = rows.map((r) => r.h)
    const bodies: string[] = []
    for (const route of ROUTES) bodies.push((await call(gw, route, target.record.keyId, authorization)).body)
    bodies.push((await gw.app.inject({ url: '/admin/audit', headers: { authorization } })).body)
    bodies.push((await gw.app.inject({ url: '/admin/keys', headers: { authorization } })).body)
    const all = bodies.join('\n')
    expect(all).toContain(target.record.keyId)
    for (const h of hashes) expect(all).not.toContain(h.split('$').at(-1))
    expect(all).not.toMatch(/argon2/)
    expect(all).not.toContain(target.key)
    // Nor the secret alone, nor any long stretch of it (the last four characters of the key are shown).
    const secret = parseApiKey(target.key)?.secret ?? ''
    expect(secret).toHaveLength(43)
    for (let i = 0; i + 8 <= secret.length; i++) expect(all).not.toContain(secret.slice(i, i + 8))
  })
})
