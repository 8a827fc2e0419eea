// Every token the gateway can mint verifies: the largest key the admin API allows (longest owner, issuer,
// scopes and audiences) yields a token a verifier accepts; a key one byte larger is refused when created
// or changed, not when its holder first exchanges it.
import { describe, expect, it } from 'vitest'
import { MAX_KEY_CLAIMS_BYTES, MAX_TOKEN_LENGTH, keyClaimsBytes } from '@keygate/protocol'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { adminHeaders } from '../support/gateway.ts'

// 128 characters of three UTF-8 bytes each: the owner with the most bytes there can be.
const OWNER = '€'.repeat(128)
const ISSUER = `http://${'i'.repeat(240)}.test`.slice(0, 256)

/** Scopes that bring the key's claims to exactly `bytes`, the last one padded to fit. */
function scopesFilling (bytes: number, audiences: string[]): string[] {
  const scopes = ['orders:read']
  for (let i = 0; scopes.length < 64; i++) {
    const next = [...scopes, `s${i}:${'x'.repeat(60)}`]
    if (keyClaimsBytes({ owner: OWNER, scopes: next, audiences }) > bytes) break
    scopes.push(next.at(-1) as string)
  }
  const room = bytes - keyClaimsBytes({ owner: OWNER, scopes: [...scopes, 'p'], audiences })
  if (room >= 0) scopes.push(`p${'y'.repeat(Math.min(room, 127))}`)
  return scopes
}

describe('the largest key', () => {
  it('mints a token every verifier accepts, and a key one byte larger is refused at creation and at update', async () => {
    const d = await buildDownstream({ KEYGATE_ISSUER: ISSUER })
    const service = await d.service()
    const admin = await adminHeaders(d.gw)
    const audiences = ['keygate', ...Array.from({ length: 2 }, (_, i) => `aud-${i}-${'a'.repeat(200)}`)]
    const scopes = scopesFilling(MAX_KEY_CLAIMS_BYTES, audiences)
    expect(keyClaimsBytes({ owner: OWNER, scopes, audiences })).toBe(MAX_KEY_CLAIMS_BYTES)

    const created = await d.gw.app.inject({ method: 'POST', url: '/admin/keys', headers: admin, payload: { name: 'largest', owner: OWNER, scopes, audiences } })
    expect(created.statusCode, created.body).toBe(201)
    const { key, keyId } = created.json<{ key: string, keyId: string }>()
    // Every scope and every audience: the longest token this key can have.
    const exchanged = await d.gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: `grant_type=client_credentials&client_secret=${key}&scope=${encodeURIComponent(scopes.join(' '))}&${audiences.map((a) => `resource=${a}`).join('&')}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    })
    expect(exchanged.statusCode, exchanged.body).toBe(200)
    const token = exchanged.json<{ access_token: string }>().access_token
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH)
    const res = await service.inject({ url: '/orders', headers: bearer(token) })
    expect(res.statusCode, res.body).toBe(200)

    const larger = [...scopes.slice(0, -1), `${scopes.at(-1) as string}z`]
    const refused = await d.gw.app.inject({ method: 'POST', url: '/admin/keys', headers: admin, payload: { name: 'too large', owner: OWNER, scopes: larger, audiences } })
    expect(refused.statusCode).toBe(400)
    expect(refused.json<{ error_description: string }>().error_description).toMatch(/longer than the 4096 characters/)
    const patched = await d.gw.app.inject({ method: 'PATCH', url: `/admin/keys/${keyId}`, headers: admin, payload: { scopes: larger } })
    expect(patched.statusCode).toBe(400)
    const after = await d.gw.app.inject({ url: `/admin/keys/${keyId}`, headers: admin })
    expect(after.json<{ scopes: string[] }>().scopes).toEqual(scopes)
  })
})
