import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { bearer, buildDownstream } from '../support/downstream.ts'
import { decodeJwt, gatewaySigner } from '../support/gateway.ts'
import { forgeJwt } from '../support/forge.ts'

describe('@keygate/verifier in a downstream service', () => {
  it('answers 200 with the principal for a valid token, 403 insufficient_scope without the scope', async () => {
    const d = await buildDownstream()
    const app = await d.service()
    const { token, keyId } = await d.token(['orders:read'])
    const who = await app.inject({ url: '/whoami', headers: bearer(token) })
    expect(who.statusCode, who.body).toBe(200)
    expect(who.json()).toMatchObject({ sub: 'team-a', clientId: keyId, scopes: ['orders:read'] })
    expect((await app.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(200)
    const write = await app.inject({ method: 'POST', url: '/orders', headers: bearer(token), payload: { item: 'x' } })
    expect(write.statusCode).toBe(403)
    expect(write.json()).toMatchObject({ error: 'insufficient_scope' })
    expect(write.headers['www-authenticate']).toMatch(/^Bearer .*error="insufficient_scope"/)
    const none = await app.inject({ url: '/whoami' })
    expect(none.statusCode).toBe(401)
    // RFC 6750 §3.1: no credentials, no error code; a bad token gets one, in words.
    expect(none.headers['www-authenticate']).toBe('Bearer realm="keygate"')
    const bad = await app.inject({ url: '/whoami', headers: bearer(`${token.slice(0, -4)}AAAA`) })
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="keygate", error="invalid_token", error_description="the token's signature is invalid"$/)
    expect(bad.body).not.toMatch(/FAST_JWT/)
  })

  it('refuses every forged, altered or out-of-bounds token with 401, never 500', async () => {
    const d = await buildDownstream()
    const app = await d.service()
    const { token } = await d.token(['orders:read'])
    const { header, payload } = decodeJwt(token)
    const signer = await gatewaySigner(d.gw)
    const now = Math.floor(Date.now() / 1000)
    const claims = { ...payload, iat: now, exp: now + 300 }
    const attacker = generateKeyPairSync('ed25519')
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' })
    const jwks = (await d.gw.app.inject({ url: '/.well-known/jwks.json' })).body
    const [h, p, s] = token.split('.') as [string, string, string]

    const attacks: Record<string, string> = {
      'alg none': forgeJwt({ ...header, alg: 'none' }, claims),
      'HS256 signed with the public key': forgeJwt({ ...header, alg: 'HS256' }, claims, { hmacSecret: jwks }),
      'foreign Ed25519 key with our kid': forgeJwt(header, claims, { ed25519: attacker.privateKey }),
      'embedded jwk of the attacker': forgeJwt({ ...header, jwk: attackerJwk }, claims, { ed25519: attacker.privateKey }),
      'jku to the attacker': forgeJwt({ ...header, jku: 'http://127.0.0.1:1/jwks.json' }, claims, { ed25519: attacker.privateKey }),
      'x5u to the attacker': forgeJwt({ ...header, x5u: 'http://127.0.0.1:1/cert.pem' }, claims, { ed25519: attacker.privateKey }),
      'jku with our real signature': signer.sign(claims, { jku: 'http://127.0.0.1:1/jwks.json' }),
      'path traversal kid': forgeJwt({ ...header, kid: '../../../../etc/passwd' }, claims, { ed25519: attacker.privateKey }),
      'SQL kid': forgeJwt({ ...header, kid: "' OR '1'='1' --" }, claims, { ed25519: attacker.privateKey }),
      expired: signer.sign({ ...claims, iat: now - 1000, exp: now - 700 }),
      'nbf in the future': signer.sign({ ...claims, nbf: now + 600 }),
      'iat in the future': signer.sign({ ...claims, iat: now + 600, exp: now + 900 }),
      'wrong iss': signer.sign({ ...claims, iss: 'https://evil.example' }),
      'wrong aud': signer.sign({ ...claims, aud: 'payroll-api' }),
      'typ JWT': signer.sign(claims, { typ: 'JWT' }),
      'no typ': signer.sign(claims, { typ: undefined }),
      'payload changed after signing': `${h}.${Buffer.from(JSON.stringify({ ...payload, scope: 'orders:read orders:write' })).toString('base64url')}.${s}`,
      'signature stripped': `${h}.${p}.`,
      'signature of another token': `${h}.${p}.${signer.sign({ ...claims, jti: 'another' }).split('.')[2]}`,
      'lifetime above the maximum': signer.sign({ ...claims, exp: now + 7200 }),
      'missing jti': signer.sign({ ...claims, jti: undefined }),
      'not a JWT': 'hello',
      'two parts': `${h}.${p}`,
      'garbage base64': 'e30.e30.e30',
      'header a JSON array': `${Buffer.from('[]').toString('base64url')}.${p}.${s}`,
      'header JSON null': `${Buffer.from('null').toString('base64url')}.${p}.${s}`,
      '100 KB header': forgeJwt({ ...header, pad: 'x'.repeat(100_000) }, claims, { ed25519: attacker.privateKey })
    }
    expect((await app.inject({ url: '/orders', headers: bearer(signer.sign(claims)) })).statusCode).toBe(200)
    for (const [name, forged] of Object.entries(attacks)) {
      const res = await app.inject({ url: '/orders', headers: bearer(forged) })
      expect(res.statusCode, `${name}: ${res.body}`).toBe(401)
      expect(res.json(), name).toMatchObject({ error: 'invalid_token' })
    }
  })

  it('makes no flood of JWKS fetches for tokens with random kids', async () => {
    const d = await buildDownstream()
    const app = await d.service()
    const attacker = generateKeyPairSync('ed25519')
    const now = Math.floor(Date.now() / 1000)
    const before = (await app.inject({ url: '/metrics' })).body
    for (let i = 0; i < 50; i++) {
      const forged = forgeJwt({ alg: 'EdDSA', typ: 'at+jwt', kid: `random-${i}` }, { iss: d.gw.config.issuer, aud: 'keygate', iat: now, exp: now + 60 }, { ed25519: attacker.privateKey })
      expect((await app.inject({ url: '/whoami', headers: bearer(forged) })).statusCode).toBe(401)
    }
    const fetches = (body: string) => Number(/keygate_verifier_jwks_fetches (\d+)/.exec(body)?.[1] ?? NaN)
    const after = (await app.inject({ url: '/metrics' })).body
    expect(fetches(after) - (Number.isNaN(fetches(before)) ? 0 : fetches(before))).toBeLessThanOrEqual(1)
    expect(after).toMatch(/keygate_verifier_verifications_total\{outcome="invalid"\} 50/)
  })
})
