import { describe, expect, it } from 'vitest'
import { createAuthenticatedFetch, createTokenProvider } from '@keygate/client'
import { runCli } from '../support/cli.ts'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { adminHeaders, fileDatabase, fileMasterKey } from '../support/gateway.ts'
import { until } from '../support/until.ts'

describe('taking a permission away takes effect at once', () => {
  it('turns an admin key\'s outstanding token away from the admin API once keygate:admin is removed', async () => {
    const d = await buildDownstream()
    const ops = await adminHeaders(d.gw)
    const demoted = await adminHeaders(d.gw)
    expect((await d.gw.app.inject({ url: '/admin/keys', headers: { authorization: demoted.authorization } })).statusCode).toBe(200)

    const patched = await d.gw.app.inject({ method: 'PATCH', url: `/admin/keys/${demoted.keyId}`, headers: ops, payload: { scopes: ['orders:read'] } })
    expect(patched.statusCode, patched.body).toBe(200)
    expect((await d.gw.app.inject({ url: '/admin/keys', headers: { authorization: demoted.authorization } })).statusCode).toBe(401)
    const create = await d.gw.app.inject({ method: 'POST', url: '/admin/keys', headers: { authorization: demoted.authorization }, payload: { name: 'x', owner: 'x', scopes: ['keygate:admin'] } })
    expect(create.statusCode).toBe(401)
  })

  it('makes verifiers refuse a key\'s outstanding token once a scope is removed, and revokes nothing when one is added', async () => {
    const d = await buildDownstream()
    const [service, other] = await Promise.all([d.service(), d.service()])
    const ops = await adminHeaders(d.gw)
    const { token, keyId } = await d.token(['orders:read', 'orders:write'])
    const post = async (app: typeof service, t: string) => (await app.inject({ method: 'POST', url: '/orders', headers: bearer(t), payload: { item: 'x' } })).statusCode
    expect(await post(service, token)).toBe(201)

    const widened = await d.gw.app.inject({ method: 'PATCH', url: `/admin/keys/${keyId}?wait=true`, headers: ops, payload: { scopes: ['orders:read', 'orders:write', 'orders:export'] } })
    expect(widened.json()).not.toHaveProperty('propagated')
    expect(await post(service, token)).toBe(201)

    const narrowed = await d.gw.app.inject({ method: 'PATCH', url: `/admin/keys/${keyId}?wait=true`, headers: ops, payload: { scopes: ['orders:read'] } })
    expect(narrowed.json()).toMatchObject({ scopes: ['orders:read'], propagated: { applied: 2, live: 2 } })
    for (const app of [service, other]) {
      expect(await post(app, token)).toBe(401)
      expect((await app.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(401)
    }
  })

  it('revokes outstanding tokens when an audience is taken away', async () => {
    const d = await buildDownstream()
    const service = await d.service()
    const ops = await adminHeaders(d.gw)
    const { key, record } = await d.gw.createKey({ scopes: ['orders:read'], audiences: ['keygate', 'billing'] })
    const token = (await d.gw.exchange(key, { audience: 'keygate' })).json<{ access_token: string }>().access_token
    expect((await service.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(200)
    await d.gw.app.inject({ method: 'PATCH', url: `/admin/keys/${record.keyId}?wait=true`, headers: ops, payload: { audiences: ['keygate'] } })
    expect((await service.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(401)
  })

  it('lets a caller on @keygate/client see the narrowed scopes on its next call, with no error', async () => {
    const d = await buildDownstream()
    const service = await d.service()
    const serviceUrl = await service.listen({ host: '127.0.0.1', port: 0 })
    const ops = await adminHeaders(d.gw)
    const { key, record } = await d.gw.createKey({ scopes: ['orders:read', 'orders:write'] })
    const api = createAuthenticatedFetch(createTokenProvider({ tokenUrl: `${d.gatewayUrl}/oauth/token`, apiKey: key }))
    const whoami = async () => {
      const res = await api(`${serviceUrl}/whoami`)
      expect(res.status).toBe(200)
      return (await res.json() as { scopes: string[] }).scopes
    }
    expect(await whoami()).toEqual(['orders:read', 'orders:write'])
    await d.gw.app.inject({ method: 'PATCH', url: `/admin/keys/${record.keyId}?wait=true`, headers: ops, payload: { scopes: ['orders:read'] } })
    expect(await whoami()).toEqual(['orders:read'])
  })

  it('accepts a token minted right after a re-enable (within the second of the disable), and not one from before', async () => {
    const d = await buildDownstream()
    const service = await d.service()
    const ops = await adminHeaders(d.gw)
    const { token: before, keyId, key } = await d.token(['orders:read'])
    await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/disable?wait=true`, headers: ops })
    await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/enable`, headers: ops })
    const after = (await d.gw.exchange(key)).json<{ access_token: string }>().access_token
    expect((await service.inject({ url: '/orders', headers: bearer(after) })).statusCode).toBe(200)
    expect((await service.inject({ url: '/orders', headers: bearer(before) })).statusCode).toBe(401)
  })

  it('revokes the same way when the CLI narrows the scopes', async () => {
    const d = await buildDownstream()
    const service = await d.service()
    const { token, keyId } = await d.token(['orders:read', 'orders:write'])
    const db = await fileDatabase()
    const updated = await runCli(['keys', 'update', keyId, '--scopes', 'orders:write'], { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey() })
    expect(updated.code, updated.stderr).toBe(0)
    // The running gateway's relay publishes what the CLI committed.
    await until(async () => (await service.inject({ url: '/orders', headers: bearer(token) })).statusCode === 401, 5_000)
  })
})
