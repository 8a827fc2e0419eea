import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTokenVerifier, MAX_TOKEN_LENGTH } from './verify.ts'

const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string

function jwt (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = privateKey): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1', ...header })}.${b64(claims)}`
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`
}

function setup () {
  let lookups = 0
  const verify = createTokenVerifier({
    issuer: 'https://kg.example',
    audience: 'orders',
    keyFor: async (kid) => { lookups++; return kid === 'k1' ? { pem, alg: 'EdDSA' } : undefined },
    clockToleranceSeconds: 30,
    maxTokenLifetimeSeconds: 3600,
    cacheSize: 100
  })
  return { verify, lookups: () => lookups, signatureChecks: () => verify.signatureChecks }
}

const now = () => Math.floor(Date.now() / 1000)
const claims = () => ({ iss: 'https://kg.example', sub: 'team', aud: 'orders', client_id: 'abc', scope: 'a b', jti: `j${Math.random()}`, iat: now(), exp: now() + 300 })

describe('createTokenVerifier', () => {
  it('returns the principal of a valid token', async () => {
    const c = claims()
    expect(await setup().verify(jwt(c))).toEqual({ sub: 'team', clientId: 'abc', scopes: ['a', 'b'], jti: c.jti, exp: c.exp, iat: c.iat, kid: 'k1', keyGeneration: 0 })
  })

  it('checks the signature of a token seen before only once, and the cache is bounded', async () => {
    const s = setup()
    const token = jwt(claims())
    await s.verify(token)
    await s.verify(token)
    await s.verify(token)
    expect(s.signatureChecks()).toBe(1)
    for (let i = 0; i < 150; i++) await s.verify(jwt(claims()))
    expect(s.signatureChecks()).toBe(151)
    await s.verify(token)
    expect(s.signatureChecks()).toBe(152)
  })

  it('does not serve a cached token past its expiry: it is checked afresh', async () => {
    let clock = Date.now()
    const verify = createTokenVerifier({ issuer: 'https://kg.example', audience: 'orders', keyFor: async () => ({ pem, alg: 'EdDSA' }), clockToleranceSeconds: 0, maxTokenLifetimeSeconds: 3600, cacheSize: 10, now: () => clock })
    const token = jwt({ ...claims(), exp: now() + 2 })
    await verify(token)
    await verify(token)
    expect(verify.signatureChecks).toBe(1)
    clock += 5_000
    await verify(token).catch(() => {})
    expect(verify.signatureChecks).toBe(2)
  })

  it.each<[string, () => string]>([
    ['a jku header', () => jwt(claims(), { jku: 'https://evil' })],
    ['an embedded jwk', () => jwt(claims(), { jwk: { kty: 'OKP' } })],
    ['an x5u header', () => jwt(claims(), { x5u: 'https://evil' })],
    ['an unknown kid', () => jwt(claims(), { kid: 'k2' })],
    ['an alg other than the key\'s', () => jwt(claims(), { alg: 'ES256' })],
    ['typ JWT', () => jwt(claims(), { typ: 'JWT' })],
    ['a lifetime above the maximum', () => jwt({ ...claims(), exp: now() + 7200 })],
    ['iat in the future', () => jwt({ ...claims(), iat: now() + 120, exp: now() + 400 })],
    ['expired beyond tolerance', () => jwt({ ...claims(), iat: now() - 400, exp: now() - 60 })],
    ['nbf in the future', () => jwt({ ...claims(), nbf: now() + 120 })],
    ['another issuer', () => jwt({ ...claims(), iss: 'https://other' })],
    ['another audience', () => jwt({ ...claims(), aud: 'billing' })],
    ['a numeric client_id', () => jwt({ ...claims(), client_id: 5 })],
    ['a negative kgen', () => jwt({ ...claims(), kgen: -1 })],
    ['a kgen that is not an integer', () => jwt({ ...claims(), kgen: '2' })],
    ['an nbf that is not a number', () => jwt({ ...claims(), nbf: 'soon' })],
    ['a token over the length limit', () => jwt({ ...claims(), pad: 'x'.repeat(MAX_TOKEN_LENGTH) })],
    ['a foreign signature', () => jwt(claims(), {}, generateKeyPairSync('ed25519').privateKey)]
  ])('refuses %s with KG_VERIFIER_ERR_TOKEN_INVALID', async (_name, make) => {
    await expect(setup().verify(make())).rejects.toMatchObject({ code: 'KG_VERIFIER_ERR_TOKEN_INVALID', statusCode: 401 })
  })

  it('accepts expiry within the clock tolerance', async () => {
    await expect(setup().verify(jwt({ ...claims(), iat: now() - 310, exp: now() - 10 }))).resolves.toBeTruthy()
  })
})
