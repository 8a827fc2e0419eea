// The admin API's red-team inputs: each answered 500 once (Postgres refused what the schema let through).
// Now each is a 400 naming the field, and nothing changes.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { adminHeaders, buildTestGateway, type TestGateway } from '../support/gateway.ts'

const NUL = 'a\u0000b'
const LONE_SURROGATE = 'team\ud800'
const INT8_MAX_PLUS_ONE = Buffer.from('9223372036854775808').toString('base64url')

async function admin (gw: TestGateway) {
  const { authorization } = await adminHeaders(gw)
  return (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    gw.app.inject({ method, url, headers: { authorization }, ...(payload === undefined ? {} : { payload: payload as object }) })
}

async function snapshot (gw: TestGateway): Promise<unknown> {
  const keys = await gw.db.pool.query('SELECT key_id, name, owner, updated_at, scopes, audiences, ip_allowlist, metadata, expires_at, revoked_at, disabled_at, generation FROM api_keys ORDER BY key_id')
  const audit = await gw.db.pool.query('SELECT count(*)::int AS n FROM audit_log')
  const revocations = await gw.db.pool.query('SELECT count(*)::int AS n FROM revocations')
  return { keys: keys.rows, audit: audit.rows[0], revocations: revocations.rows[0] }
}

describe('admin API bad input', () => {
  it('answers 400 naming the field to a NUL byte, a lone surrogate, a leap second, a zoned address or an int8 overflow, and changes nothing', async () => {
    const gw = await buildTestGateway()
    const call = await admin(gw)
    const target = await gw.createKey({ owner: 'team-a' })
    const base = { name: 'n', owner: 'o', scopes: ['orders:read'] }
    const cases: Array<{ method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, field: string }> = [
      { method: 'POST', url: '/admin/keys', payload: { ...base, owner: NUL }, field: 'body.owner' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, name: NUL }, field: 'body.name' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, audiences: [NUL] }, field: 'body.audiences.0' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, metadata: { team: NUL } }, field: 'body.metadata.team' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, owner: LONE_SURROGATE }, field: 'body.owner' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, expiresAt: '2027-06-30T23:59:60Z' }, field: 'body.expiresAt' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, expiresAt: '99999-01-01T00:00:00Z' }, field: 'body.expiresAt' },
      { method: 'POST', url: '/admin/keys', payload: { ...base, ipAllowlist: ['fe80::1%eth0'] }, field: 'body.ipAllowlist.0' },
      { method: 'PATCH', url: `/admin/keys/${target.record.keyId}`, payload: { name: NUL }, field: 'body.name' },
      { method: 'PATCH', url: `/admin/keys/${target.record.keyId}`, payload: { ipAllowlist: ['fe80::1%25eth0'] }, field: 'body.ipAllowlist.0' },
      { method: 'POST', url: `/admin/keys/${target.record.keyId}/revoke`, payload: { reason: NUL }, field: 'body.reason' },
      { method: 'POST', url: '/admin/owners/team-a/revoke', payload: { reason: NUL }, field: 'body.reason' },
      { method: 'POST', url: '/admin/owners/a%00b/revoke', payload: {}, field: 'params.owner' },
      { method: 'GET', url: '/admin/keys?owner=a%00b', field: 'querystring.owner' },
      { method: 'GET', url: '/admin/keys?environment=a%00b', field: 'querystring.environment' },
      { method: 'GET', url: `/admin/keys?cursor=${INT8_MAX_PLUS_ONE}`, field: 'querystring.cursor' },
      { method: 'GET', url: '/admin/audit?actor=a%00b', field: 'querystring.actor' },
      { method: 'GET', url: '/admin/audit?action=a%00b', field: 'querystring.action' },
      { method: 'GET', url: '/admin/audit?target=a%00b', field: 'querystring.target' },
      { method: 'GET', url: `/admin/audit?cursor=${INT8_MAX_PLUS_ONE}`, field: 'querystring.cursor' }
    ]
    const before = await snapshot(gw)
    for (const c of cases) {
      const res = await call(c.method, c.url, c.payload)
      expect(res.statusCode, `${c.method} ${c.url} ${res.body}`).toBe(400)
      expect(res.json<{ error: string, error_description: string }>(), c.url).toMatchObject({ error: 'invalid_request' })
      expect(res.json<{ error_description: string }>().error_description, c.url).toContain(c.field)
    }
    expect(await snapshot(gw)).toEqual(before)
    const after = await call('GET', `/admin/keys/${target.record.keyId}`)
    expect(after.json()).toMatchObject({ state: 'active' })
  })

  it('takes JSON bodies as sent: no coercion of types, no unknown field', async () => {
    const gw = await buildTestGateway()
    const call = await admin(gw)
    const target = await gw.createKey()
    const base = { name: 'n', owner: 'o', scopes: ['orders:read'] }
    const refused = [
      ['POST', '/admin/keys', { ...base, scopes: 'keygate:admin' }],
      ['POST', '/admin/keys', { ...base, owner: ['o'] }],
      ['POST', '/admin/keys', { ...base, name: 123 }],
      ['POST', '/admin/keys', { ...base, colour: 'red' }],
      ['POST', `/admin/keys/${target.record.keyId}/rotate`, { gracePeriodSeconds: '60' }],
      ['PATCH', `/admin/keys/${target.record.keyId}`, { scopes: 'orders:read' }]
    ] as const
    for (const [method, url, payload] of refused) {
      const res = await call(method, url, payload)
      expect(res.statusCode, `${url} ${JSON.stringify(payload)} ${res.body}`).toBe(400)
    }
    const limit = await call('GET', '/admin/keys?limit=2')
    expect(limit.statusCode).toBe(200)
  })

  it('never answers 5xx, and a refusal changes nothing, for arbitrary values in every field of every admin route', async () => {
    const gw = await buildTestGateway()
    const call = await admin(gw)
    const target = await gw.createKey({ owner: 'team-a' })
    const runs = Number(process.env.KEYGATE_PROPERTY_RUNS ?? 120)
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom(NUL, LONE_SURROGATE, '2027-06-30T23:59:60Z', '2030-01-01T00:00:00Z', 'fe80::1%eth0', '10.0.0.0/8', 'orders:read', 'live', 'test', '', ' ', '%00')
    )
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 }))
    })).v
    const fields = ['name', 'owner', 'scopes', 'audiences', 'ipAllowlist', 'expiresAt', 'metadata', 'environment', 'reason', 'gracePeriodSeconds', 'publicKey', 'keyPair']
    const body = fc.oneof(fc.record(Object.fromEntries(fields.map((f) => [f, value])), { requiredKeys: [] }), value)
    const percentEncoded = (s: string): string => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
    const path = fc.oneof(fc.constant(target.record.keyId), text.map(percentEncoded), fc.constantFrom('%ED%A0%80', '%FF', '%', '%zz'))
    const route = fc.tuple(fc.constantFrom<['POST' | 'PATCH', string]>(
      ['PATCH', '/admin/keys/P'], ['POST', '/admin/keys/P/revoke'], ['POST', '/admin/keys/P/disable'], ['POST', '/admin/keys/P/enable'],
      ['POST', '/admin/keys/P/rotate'], ['POST', '/admin/owners/P/revoke'], ['POST', '/admin/keys'], ['POST', '/admin/signing-keys/P/revoke']
    ), path, fc.constantFrom('', '?wait=maybe', '?wait=false')).map(([[method, url], p, q]) => [method, url.replace('P', p) + q] as const)
    await fc.assert(fc.asyncProperty(route, body, async ([method, url], payload) => {
      const before = await snapshot(gw)
      const res = await call(method, url, payload)
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)} ${res.body}`).toBeLessThan(500)
      if (res.statusCode >= 400) expect(await snapshot(gw), `${method} ${url} ${JSON.stringify(payload)}`).toEqual(before)
    }), { seed: 19, numRuns: runs })
    const query = fc.dictionary(fc.constantFrom('owner', 'environment', 'state', 'limit', 'cursor', 'actor', 'action', 'target', 'wait'), text, { maxKeys: 4 })
    const getRoute = fc.constantFrom('/admin/keys', '/admin/audit', `/admin/keys/${target.record.keyId}`, '/admin/signing-keys')
    await fc.assert(fc.asyncProperty(getRoute, query, async (url, q) => {
      const search = new URLSearchParams(q as Record<string, string>).toString()
      const res = await call('GET', `${url}?${search}`)
      expect(res.statusCode, `${url}?${search} ${res.body}`).toBeLessThan(500)
    }), { seed: 19, numRuns: runs })
  })
})
