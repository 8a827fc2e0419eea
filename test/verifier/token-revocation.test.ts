import { describe, expect, it } from 'vitest'
import { adminHeaders } from '../support/gateway.ts'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { until } from '../support/until.ts'

describe('revoking one token (RFC 7009) and introspection (RFC 7662)', () => {
  it('refuses the revoked token downstream while the key\'s other tokens pass; introspection says inactive', async () => {
    const d = await buildDownstream()
    const app = await d.service()
    const { authorization } = await adminHeaders(d.gw)
    const { token, key } = await d.token(['orders:read'])
    const other = (await d.gw.exchange(key)).json<{ access_token: string }>().access_token

    const introspect = (t: string) => d.gw.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization }, payload: { token: t } })
    expect((await introspect(token)).json()).toMatchObject({ active: true, scope: 'orders:read', sub: 'team-a' })

    const revoked = await d.gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { authorization }, payload: { token } })
    expect(revoked.statusCode, revoked.body).toBe(200)
    expect((await introspect(token)).json()).toEqual({ active: false })
    expect((await introspect(other)).json()).toMatchObject({ active: true })

    await until(async () => (await app.inject({ url: '/orders', headers: bearer(token) })).statusCode === 401, 1_000)
    expect((await app.inject({ url: '/orders', headers: bearer(other) })).statusCode).toBe(200)
  })

  it('lets the key a token was issued to revoke it, and no other key', async () => {
    const d = await buildDownstream()
    const app = await d.service()
    const mine = await d.token(['orders:read'])
    const theirs = await d.token(['orders:read'])
    const revoke = (key: string, token: string) => d.gw.app.inject({ method: 'POST', url: '/oauth/revoke', payload: { token, client_secret: key } })

    const foreign = await revoke(theirs.key, mine.token)
    expect(foreign.statusCode).toBe(400)
    expect(foreign.json()).toMatchObject({ error: 'unauthorized_client' })
    expect((await revoke(mine.key, mine.token)).statusCode).toBe(200)
    await until(async () => (await app.inject({ url: '/orders', headers: bearer(mine.token) })).statusCode === 401, 1_000)
    expect((await app.inject({ url: '/orders', headers: bearer(theirs.token) })).statusCode).toBe(200)
  })

  it('revoking an owner makes verifiers refuse every token of that owner, and only those', async () => {
    const d = await buildDownstream()
    const app = await d.service()
    const { authorization } = await adminHeaders(d.gw)
    const mine = await d.gw.createKey({ owner: 'acme', scopes: ['orders:read'] })
    const theirs = await d.gw.createKey({ owner: 'other', scopes: ['orders:read'] })
    const tokenOf = async (key: string) => (await d.gw.exchange(key)).json<{ access_token: string }>().access_token
    const [a, b] = [await tokenOf(mine.key), await tokenOf(theirs.key)]
    const res = await d.gw.app.inject({ method: 'POST', url: '/admin/owners/acme/revoke?wait=true', headers: { authorization } })
    expect(res.json()).toMatchObject({ revoked: [mine.record.keyId], propagated: { applied: 1, live: 1 } })
    expect((await app.inject({ url: '/orders', headers: bearer(a) })).statusCode).toBe(401)
    expect((await app.inject({ url: '/orders', headers: bearer(b) })).statusCode).toBe(200)
  })

  it('answers 200 for unknown tokens and 401 without client authentication', async () => {
    const d = await buildDownstream()
    const { authorization } = await adminHeaders(d.gw)
    expect((await d.gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { authorization }, payload: { token: 'not.a.token' } })).statusCode).toBe(200)
    const anonymous = await d.gw.app.inject({ method: 'POST', url: '/oauth/revoke', payload: { token: 'x' } })
    expect(anonymous.statusCode).toBe(401)
    const introspectAnonymous = await d.gw.app.inject({ method: 'POST', url: '/oauth/introspect', payload: { token: 'x' } })
    expect(introspectAnonymous.statusCode).toBe(401)
  })
})
