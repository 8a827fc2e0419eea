import { describe, expect, it } from 'vitest'
import { until } from '../support/until.ts'
import { buildTestGateway } from '../support/gateway.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { freePort } from '../support/redis-server.ts'

describe('discovery, health and docs', () => {
  it('serves RFC 8414 metadata naming the issuer, token endpoint and JWKS', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      issuer: 'http://keygate.test',
      token_endpoint: 'http://keygate.test/oauth/token',
      jwks_uri: 'http://keygate.test/.well-known/jwks.json',
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'Ed25519', 'ES256']
    })
  })

  it('publishes the signing key that signs tokens, shared by every gateway on the database', async () => {
    const a = await buildTestGateway()
    const b = await buildTestGateway()
    const jwksA = (await a.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: Array<{ kid: string }> }>()
    const jwksB = (await b.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: Array<{ kid: string }> }>()
    expect(jwksA).toEqual(jwksB)
    expect(jwksA.keys.map((k) => k.kid)).toContain(a.app.signer.minter().kid)
    expect(b.app.signer.minter().kid).toBe(a.app.signer.minter().kid)
  })

  it('answers /healthz and /readyz with Postgres checked', async () => {
    const gw = await buildTestGateway()
    expect((await gw.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' })
    const ready = await gw.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok' } })
  })

  it('serves an OpenAPI 3 document of the routes and the docs UI', async () => {
    const gw = await buildTestGateway()
    const doc = (await gw.app.inject({ method: 'GET', url: '/docs/json' })).json<{ openapi: string, paths: Record<string, unknown> }>()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/oauth/token', '/.well-known/jwks.json', '/healthz', '/readyz', '/admin/keys', '/admin/keys/{keyId}', '/admin/keys/{keyId}/rotate', '/admin/owners/{owner}/revoke', '/admin/audit']))
    const ui = await gw.app.inject({ method: 'GET', url: '/docs' })
    expect(ui.statusCode).toBeLessThan(400)
  })

  it('echoes a plain x-request-id and replaces one that is not with a fresh, distinct id', async () => {
    const gw = await buildTestGateway()
    const plain = await gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } })
    expect(plain.headers['x-request-id']).toBe('abc-123')
    const odd = await gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b\u00e9'.repeat(30) } })
    const fresh = await gw.app.inject({ method: 'GET', url: '/healthz' })
    const ids = [odd.headers['x-request-id'], fresh.headers['x-request-id']]
    for (const id of ids) expect(id).toMatch(/^[\w-]{11}-[0-9a-z]+$/)
    expect(new Set(ids).size).toBe(2)
  })
})

describe('metrics and readiness with Redis', () => {
  it('serves Prometheus metrics of exchanges, Argon2 load and the outbox', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    await gw.exchange(key)
    await gw.exchange('kg_live_bad_key')
    const res = await gw.app.inject({ url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body).toMatch(/keygate_token_exchanges_total\{status="200"\} 1/)
    expect(res.body).toMatch(/keygate_token_exchanges_total\{status="401"\} 1/)
    expect(res.body).toMatch(/keygate_argon2_active 0/)
    expect(res.body).toMatch(/keygate_revocation_outbox_pending \d+/)
    expect(res.body).toMatch(/keygate_http_request_duration_seconds_bucket\{.*route="\/oauth\/token"/)
  })

  it('stays ready through a Redis outage (exchanges still work) and reports what it degrades', async () => {
    const up = await buildTestGateway({ env: { REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: redisPrefix() } })
    await until(async () => up.app.revocationFanout?.relay.state === 'publishing', 5_000)
    expect((await up.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok', relay: 'publishing', rateLimits: 'shared' } })
    // One relay leads per database: the next gateway leads once this one is gone.
    await up.app.close()
    const down = await buildTestGateway({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, KEYGATE_REDIS_PREFIX: redisPrefix() } })
    const { key } = await down.createKey()
    expect((await down.exchange(key)).statusCode).toBe(200)
    await until(async () => down.app.revocationFanout?.relay.state === 'failing', 5_000)
    const res = await down.app.inject({ url: '/readyz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'degraded', checks: { postgres: 'ok', redis: 'down', relay: 'failing', rateLimits: 'local' } })
    // One warning for the episode, not one a second; the metrics count every failed attempt.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(down.logs.lines.filter((l) => l.includes('revocation relay: publish failed'))).toHaveLength(1)
    const metrics = (await down.app.inject({ url: '/metrics' })).body
    expect(Number(/^keygate_revocation_publish_errors_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2)
    // A revocation committed now waits in the outbox: its age shows.
    await down.app.keyAdmin.revoke((await down.createKey()).record.keyId, undefined, { id: 'test' })
    await until(async () => Number(/^keygate_revocation_outbox_oldest_seconds ([\d.]+)$/m.exec((await down.app.inject({ url: '/metrics' })).body)?.[1]) > 0, 5_000, 100)
  })
})
