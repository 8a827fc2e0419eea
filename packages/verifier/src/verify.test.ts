import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { INVALID_TOKEN_REASONS, type InvalidTokenReason } from './errors.ts'
import type { VerificationKey } from './jwks.ts'
import { MAX_TOKEN_LENGTH } from '@keygate/protocol'
import { MAX_KID_LENGTH, MAX_VERIFIERS, createTokenVerifier } from './verify.ts'

const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string

// A frozen clock in the past (2020): every time in these tests is relative to it, and the real clock never
// takes part (a token expired by the real clock is valid by this one).
const NOW = 1_600_000_000
const TOLERANCE = 30
const MAX_LIFETIME = 3600

const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')

function jwt (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = privateKey): string {
  const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1', ...header })}.${b64(claims)}`
  const signature = key.asymmetricKeyType === 'ec' ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign(null, Buffer.from(input), key)
  return `${input}.${signature.toString('base64url')}`
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: 'https://kg.example', sub: 'team', aud: 'orders', client_id: 'abc', scope: 'a b', jti: `j${Math.random()}`, iat: NOW, exp: NOW + 300, ...extra
})

function setup (overrides: { cacheSize?: number, audience?: string | string[] | null, keys?: Record<string, VerificationKey>, clock?: () => number } = {}) {
  const lookups: string[] = []
  const keys = overrides.keys ?? { k1: { pem, alg: 'EdDSA' } }
  const verify = createTokenVerifier({
    issuer: 'https://kg.example',
    audience: overrides.audience === undefined ? 'orders' : overrides.audience,
    keyFor: async (kid) => { lookups.push(kid); return keys[kid] },
    clockToleranceSeconds: TOLERANCE,
    maxTokenLifetimeSeconds: MAX_LIFETIME,
    cacheSize: overrides.cacheSize ?? 100,
    now: overrides.clock ?? (() => NOW * 1000)
  })
  return { verify, lookups }
}

async function reasonOf (promise: Promise<unknown>): Promise<InvalidTokenReason | 'accepted'> {
  try {
    await promise
    return 'accepted'
  } catch (err) {
    const e = err as { code?: string, reason?: InvalidTokenReason, statusCode?: number, message?: string }
    expect(e.code).toBe('KG_VERIFIER_ERR_TOKEN_INVALID')
    expect(e.statusCode).toBe(401)
    expect(e.message).toBe(INVALID_TOKEN_REASONS[e.reason as InvalidTokenReason])
    return e.reason as InvalidTokenReason
  }
}

describe('createTokenVerifier', () => {
  it('returns the principal of a valid token, the key generation 0 when kgen is absent', async () => {
    const c = claims()
    expect(await setup().verify(jwt(c))).toEqual({ sub: 'team', clientId: 'abc', scopes: ['a', 'b'], jti: c.jti, exp: c.exp, iat: c.iat, kid: 'k1', keyGeneration: 0 })
    expect((await setup().verify(jwt(claims({ kgen: 7 })))).keyGeneration).toBe(7)
  })

  it('checks the signature of a token seen before only once; the cache keeps the newest cacheSize tokens', async () => {
    const { verify } = setup({ cacheSize: 3 })
    const tokens = [jwt(claims()), jwt(claims()), jwt(claims()), jwt(claims())]
    for (const t of tokens.slice(0, 3)) await verify(t)
    expect(verify.signatureChecks).toBe(3)
    for (const t of tokens.slice(0, 3)) expect(verify.cached(t)).toBeDefined()
    await verify(tokens[3] as string)
    // The oldest went first.
    expect(verify.cached(tokens[0] as string)).toBeUndefined()
    for (const t of tokens.slice(1)) expect(verify.cached(t)).toBeDefined()
    await verify(tokens[1] as string)
    expect(verify.signatureChecks).toBe(4)
    // Round and round: always the newest three.
    const more = Array.from({ length: 10 }, () => jwt(claims()))
    for (const [i, t] of more.entries()) {
      await verify(t)
      expect(more.slice(0, i + 1).filter((m) => verify.cached(m) !== undefined)).toEqual(more.slice(Math.max(0, i - 2), i + 1))
    }
  })

  it('gives a token one place in the cache however often it is verified: concurrent first requests, or past its exp within the tolerance', async () => {
    let clock = NOW * 1000
    const { verify } = setup({ cacheSize: 3, clock: () => clock })
    const kept = [jwt(claims()), jwt(claims())]
    for (const t of kept) await verify(t)
    // Five requests at once with one new token: one place, the others' entries stay.
    const burst = jwt(claims())
    await Promise.all(Array.from({ length: 5 }, () => verify(burst)))
    for (const t of [...kept, burst]) expect(verify.cached(t)).toBeDefined()
    // A token past its exp, still within the clock tolerance, is checked afresh each time without taking
    // another's place.
    const expiring = jwt(claims({ exp: NOW + 1 }))
    await verify(expiring)
    expect(verify.cached(kept[0] as string)).toBeUndefined()
    clock = (NOW + 2) * 1000
    for (let i = 0; i < 5; i++) await verify(expiring)
    expect(verify.signatureChecks).toBe(2 + 5 + 1 + 5)
    for (const t of [kept[1] as string, burst]) expect(verify.cached(t)).toBeDefined()
  })

  it('caches nothing with cacheSize 0', async () => {
    const { verify } = setup({ cacheSize: 0 })
    const token = jwt(claims())
    await verify(token)
    await verify(token)
    expect(verify.signatureChecks).toBe(2)
    expect(verify.cached(token)).toBeUndefined()
  })

  it('serves a cached token until its exp, not one moment after: it is then checked afresh', async () => {
    let clock = NOW * 1000
    const { verify } = setup({ clock: () => clock })
    const token = jwt(claims({ exp: NOW + 2 }))
    await verify(token)
    clock = (NOW + 2) * 1000 - 1
    expect(verify.cached(token)).toBeDefined()
    clock = (NOW + 2) * 1000
    expect(verify.cached(token)).toBeUndefined()
    await verify(token)
    expect(verify.signatureChecks).toBe(2)
  })

  it('keeps one signature verifier per key, at most MAX_VERIFIERS, and a key evicted is imported again', async () => {
    const keys: Record<string, VerificationKey> = {}
    for (let i = 0; i <= MAX_VERIFIERS; i++) keys[`k${i}`] = { pem, alg: 'EdDSA' }
    const { verify } = setup({ keys, cacheSize: 0 })
    for (let i = 0; i <= MAX_VERIFIERS; i++) await verify(jwt(claims(), { kid: `k${i}` }))
    await expect(verify(jwt(claims(), { kid: 'k0' }))).resolves.toMatchObject({ kid: 'k0' })
  })

  it('verifies ES256 tokens with a P-256 key, and refuses them under an EdDSA key', async () => {
    const { verify } = setup({ keys: { e1: { pem: ecPem, alg: 'ES256' }, k1: { pem, alg: 'EdDSA' } } })
    await expect(verify(jwt(claims(), { kid: 'e1', alg: 'ES256' }, ec.privateKey))).resolves.toMatchObject({ kid: 'e1' })
    expect(await reasonOf(verify(jwt(claims(), { kid: 'k1', alg: 'ES256' }, ec.privateKey)))).toBe('alg')
    expect(await reasonOf(verify(jwt(claims(), { kid: 'e1', alg: 'ES256' }, privateKey)))).toBe('signature')
  })

  it('takes a token of exactly MAX_TOKEN_LENGTH characters and a kid of exactly MAX_KID_LENGTH', async () => {
    const kid = 'k'.repeat(MAX_KID_LENGTH)
    const { verify } = setup({ keys: { [kid]: { pem, alg: 'EdDSA' } } })
    // Base64url skips one length in four: a second pad in the header reaches every length. The jti is fixed,
    // so that only the pads change a candidate's length (a random one leaves gaps, and the test would be flaky).
    const candidates = Array.from({ length: 3000 }, (_, n) => [0, 1, 2].map((h) => jwt(claims({ pad: 'p'.repeat(n), jti: 'j-exact' }), { kid, x: 'x'.repeat(h) }))).flat()
    const exact = candidates.find((t) => t.length === MAX_TOKEN_LENGTH)
    expect(exact).toBeDefined()
    expect(await reasonOf(verify(exact as string))).toBe('accepted')
  })

  it('judges nbf by its own clock, not the real one', async () => {
    const later = 4_000_000_000
    const { verify } = setup({ clock: () => later * 1000 })
    expect(await reasonOf(verify(jwt(claims({ iat: later, nbf: later, exp: later + 300 }))))).toBe('accepted')
  })

  it('takes any audience with audience null, and one of several when given a list', async () => {
    expect(await reasonOf(setup({ audience: null }).verify(jwt(claims({ aud: 'whatever' }))))).toBe('accepted')
    expect(await reasonOf(setup({ audience: ['billing', 'orders'] }).verify(jwt(claims({ aud: ['x', 'orders'] }))))).toBe('accepted')
    expect(await reasonOf(setup({ audience: 'orders-api' }).verify(jwt(claims({ aud: 'orders' }))))).toBe('audience')
  })

  it('looks a kid up only once the header has passed', async () => {
    const s = setup()
    await reasonOf(s.verify(jwt(claims(), { jku: 'https://evil' })))
    await reasonOf(s.verify('x'.repeat(MAX_TOKEN_LENGTH + 1)))
    expect(s.lookups).toEqual([])
  })

  const cases: Array<[string, () => string, InvalidTokenReason]> = [
    ['a token over the length limit', () => `${jwt(claims())}${'x'.repeat(MAX_TOKEN_LENGTH)}`, 'too_long'],
    ['no dot', () => 'eyJhbGciOiJFZERTQSJ9', 'malformed'],
    ['an empty header', () => `.${b64(claims())}.sig`, 'malformed'],
    ['a header that is not JSON', () => `${Buffer.from('{nope').toString('base64url')}.${b64(claims())}.sig`, 'header'],
    ['a header that is an array', () => `${b64([1])}.${b64(claims())}.sig`, 'header'],
    ['a header that is null', () => `${b64(null as unknown as object)}.${b64(claims())}.sig`, 'header'],
    ['a jku header', () => jwt(claims(), { jku: 'https://evil' }), 'forbidden_header'],
    ['an x5u header', () => jwt(claims(), { x5u: 'https://evil' }), 'forbidden_header'],
    ['an embedded jwk', () => jwt(claims(), { jwk: { kty: 'OKP' } }), 'forbidden_header'],
    ['an x5c header', () => jwt(claims(), { x5c: ['MII'] }), 'forbidden_header'],
    ['a crit header', () => jwt(claims(), { crit: ['exp'] }), 'forbidden_header'],
    ['no kid', () => jwt(claims(), { kid: undefined }), 'kid'],
    ['a numeric kid', () => jwt(claims(), { kid: 5 }), 'kid'],
    ['a kid over the length limit', () => jwt(claims(), { kid: 'k'.repeat(MAX_KID_LENGTH + 1) }), 'kid'],
    ['an unknown kid', () => jwt(claims(), { kid: 'k2' }), 'unknown_kid'],
    ['an alg other than the key\'s', () => jwt(claims(), { alg: 'ES256' }), 'alg'],
    ['alg none', () => jwt(claims(), { alg: 'none' }), 'alg'],
    ['a foreign signature', () => jwt(claims(), {}, generateKeyPairSync('ed25519').privateKey), 'signature'],
    // A lenient base64url decoder skips the '!', leaving the valid signature: a second string for one token.
    ['a signature segment with a character outside base64url', () => `${jwt(claims())}!`, 'malformed'],
    ['a fourth segment', () => `${jwt(claims())}.e30`, 'malformed'],
    ['a payload that is not JSON', () => { const t = jwt(claims()).split('.'); return `${t[0]}.${Buffer.from('{x').toString('base64url')}.${t[2]}` }, 'malformed'],
    ['typ JWT', () => jwt(claims(), { typ: 'JWT' }), 'typ'],
    ['no typ', () => jwt(claims(), { typ: undefined }), 'typ'],
    ...(['iss', 'sub', 'client_id', 'scope', 'jti'] as const).flatMap((name): Array<[string, () => string, InvalidTokenReason]> => [
      [`a numeric ${name}`, () => jwt(claims({ [name]: 5 })), 'claims'],
      [`no ${name}`, () => jwt(claims({ [name]: undefined })), 'claims']
    ]),
    ['a string iat', () => jwt(claims({ iat: String(NOW) })), 'claims'],
    ['no exp', () => jwt(claims({ exp: undefined })), 'claims'],
    ['a string nbf', () => jwt(claims({ nbf: 'soon' })), 'claims'],
    ['no aud', () => jwt(claims({ aud: undefined })), 'claims'],
    ['an empty aud list', () => jwt(claims({ aud: [] })), 'claims'],
    ['a numeric aud in a list', () => jwt(claims({ aud: ['orders', 5] })), 'claims'],
    ['a negative kgen', () => jwt(claims({ kgen: -1 })), 'claims'],
    ['a fractional kgen', () => jwt(claims({ kgen: 1.5 })), 'claims'],
    ['a string kgen', () => jwt(claims({ kgen: '2' })), 'claims'],
    ['another issuer', () => jwt(claims({ iss: 'https://other' })), 'issuer'],
    ['another audience', () => jwt(claims({ aud: 'billing' })), 'audience'],
    ['an audience list without ours', () => jwt(claims({ aud: ['billing', 'orders2'] })), 'audience']
  ]
  for (const [name, make, reason] of cases) {
    it(`refuses ${name} (${reason})`, async () => {
      expect(await reasonOf(setup().verify(make()))).toBe(reason)
    })
  }

  // Each time rule at its boundary: the last second accepted, the first refused.
  const times: Array<[string, Record<string, unknown>, InvalidTokenReason | 'accepted']> = [
    ['exp + tolerance one second ahead', { iat: NOW - 400, exp: NOW - TOLERANCE + 1 }, 'accepted'],
    ['exp + tolerance now', { iat: NOW - 400, exp: NOW - TOLERANCE }, 'expired'],
    ['nbf - tolerance now', { nbf: NOW + TOLERANCE }, 'accepted'],
    ['nbf - tolerance one second ahead', { nbf: NOW + TOLERANCE + 1 }, 'not_yet_valid'],
    ['a lifetime of exactly the maximum', { iat: NOW, exp: NOW + MAX_LIFETIME }, 'accepted'],
    ['a lifetime one second above the maximum', { iat: NOW, exp: NOW + MAX_LIFETIME + 1 }, 'lifetime'],
    ['iat at now + tolerance', { iat: NOW + TOLERANCE, exp: NOW + TOLERANCE + 300 }, 'accepted'],
    ['iat one second past now + tolerance', { iat: NOW + TOLERANCE + 1, exp: NOW + TOLERANCE + 301 }, 'issued_in_future']
  ]
  for (const [name, extra, outcome] of times) {
    it(`${outcome === 'accepted' ? 'accepts' : 'refuses'} ${name}`, async () => {
      expect(await reasonOf(setup().verify(jwt(claims(extra))))).toBe(outcome)
    })
  }
})
