// Changing KEYGATE_SIGNING_ALG from EdDSA to RS256 is a rotation: the RS256 key is published ahead, every
// verifier learns it from its ordinary JWKS refresh before it signs, and EdDSA tokens keep verifying.
import { describe, expect, it, onTestFinished } from 'vitest'
import Fastify from 'fastify'
import keygateVerifier from '@keygate/verifier'
import { buildTestGateway, decodeJwt, fileDatabase, type TestGateway } from '../support/gateway.ts'

async function verifierOf (issuer: string, jwksUrl: string) {
  const app = Fastify()
  // A short JWKS max age stands in for the five minutes (JWKS_MAX_AGE_SECONDS) a rotation waits; the long
  // cooldown means an unknown kid is not fetched for: a key not learnt ahead would be refused.
  await app.register(keygateVerifier, { issuer, jwksUrl, audience: 'keygate', jwksMaxAgeMs: 300, jwksCooldownMs: 600_000 })
  app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async () => ({}))
  onTestFinished(() => app.close())
  return (token: string) => app.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode)
}

async function tokenOf (gw: TestGateway): Promise<string> {
  const { key } = await gw.createKey({ scopes: ['orders:read'] })
  return (await gw.exchange(key)).json<{ access_token: string }>().access_token
}

describe('changing the signing algorithm', () => {
  it('publishes the RS256 key ahead: verifiers learn it before it signs, EdDSA tokens keep verifying, and no verifier meets an unknown kid', async () => {
    const before = await buildTestGateway()
    const jwksUrl = `${await before.app.listen({ host: '127.0.0.1', port: 0 })}/.well-known/jwks.json`
    const [one, two] = [await verifierOf(before.config.issuer, jwksUrl), await verifierOf(before.config.issuer, jwksUrl)]
    const eddsa = await tokenOf(before)
    expect(decodeJwt(eddsa).header.alg).toBe('EdDSA')
    expect([await one(eddsa), await two(eddsa)]).toEqual([200, 200])

    // A replica restarted with the new setting rotates once; a second one finds the rotation done.
    const after = await buildTestGateway({ env: { KEYGATE_SIGNING_ALG: 'RS256' } })
    await buildTestGateway({ env: { KEYGATE_SIGNING_ALG: 'RS256' } })
    const db = await fileDatabase()
    const { rows } = await db.pool.query<{ kid: string, alg: string, pending: boolean }>('SELECT kid, alg, activates_at > now() AS pending FROM signing_keys ORDER BY created_at')
    expect(rows.map((r) => [r.alg, r.pending])).toEqual([['EdDSA', false], ['RS256', true]])
    const rs256 = rows[1]?.kid as string
    // Still EdDSA while the new key waits for the verifiers' caches.
    expect(decodeJwt(await tokenOf(after)).header.alg).toBe('EdDSA')
    // The first replica's JWKS view is cached for seconds; its next answer lists the new key.
    await before.app.signer.refresh()
    const published = (await before.app.inject({ url: '/.well-known/jwks.json' })).json<{ keys: Array<{ kid: string, kty: string, alg: string }> }>().keys
    expect(published.map((k) => k.alg).sort()).toEqual(['EdDSA', 'RS256'])

    // The verifiers' ordinary refresh (past their max age, on a request) finds the new key before it signs.
    await new Promise((resolve) => setTimeout(resolve, 400))
    const another = await tokenOf(after)
    expect([await one(another), await two(another)]).toEqual([200, 200])
    // The wait is over (the clock moved, not waited for): the RS256 key signs.
    await db.pool.query('UPDATE signing_keys SET activates_at = now() WHERE kid = $1', [rs256])
    await after.app.signer.refresh()
    const rsToken = await tokenOf(after)
    expect(decodeJwt(rsToken).header).toMatchObject({ alg: 'RS256', kid: rs256 })
    expect([await one(rsToken), await two(rsToken)]).toEqual([200, 200])
    expect([await one(eddsa), await two(eddsa)]).toEqual([200, 200])
    const audit = await db.pool.query("SELECT actor, details FROM audit_log WHERE action = 'signing-key.rotate'")
    expect(audit.rows).toEqual([{ actor: 'keygate:config', details: expect.objectContaining({ alg: 'RS256', from: 'EdDSA' }) as unknown }])
  })
})
