import { type JsonWebKey, createPublicKey, createPrivateKey, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '@keygate/protocol'
import { importJwk } from '@keygate/verifier'
import { createTokenMinter, newJti } from './mint.ts'
import { thumbprint } from '../jwk.ts'
import { generateSigningKey } from './signing-keys.ts'

function makeKey (alg: SigningAlgorithm = 'EdDSA') {
  const generated = generateSigningKey(alg)
  const privatePem = createPrivateKey({ key: generated.privateDer, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string
  return { generated, key: { kid: generated.kid, alg, privatePem } }
}

// Node's names for each algorithm's digest and signature encoding (JWS ES256 is r || s, not DER).
const NODE_VERIFY: Record<SigningAlgorithm, { digest: string | null, dsaEncoding?: 'ieee-p1363' }> = {
  EdDSA: { digest: null },
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  RS256: { digest: 'sha256' }
}

describe('signing keys of every algorithm', () => {
  it.each(SIGNING_ALGORITHMS)('%s: signs a token its published JWK verifies, the JWK pinned to its alg and holding only public members', (alg) => {
    const { generated, key } = makeKey(alg)
    const minter = createTokenMinter({ issuer: 'https://kg.example', ttlSeconds: 300, key })
    const { token } = minter.mint({ sub: 'team-a', clientId: 'abc123', scope: 'orders:read', aud: 'orders', keyGeneration: 1 })
    const [h, p, s] = token.split('.')
    expect(decode(h)).toEqual({ alg, typ: 'at+jwt', kid: generated.kid })
    expect(generated.publicJwk).not.toHaveProperty('d')
    expect(generated.kid).toBe(thumbprint(generated.publicJwk as unknown as JsonWebKey))
    const publicKey = createPublicKey({ key: generated.publicJwk as unknown as JsonWebKey, format: 'jwk' })
    const { digest, dsaEncoding } = NODE_VERIFY[alg]
    expect(verify(digest, Buffer.from(`${h}.${p}`), dsaEncoding ? { key: publicKey, dsaEncoding } : publicKey, Buffer.from(s ?? '', 'base64url'))).toBe(true)
    expect(importJwk(generated.publicJwk)).toMatchObject({ kid: generated.kid, alg })
    for (const other of SIGNING_ALGORITHMS.filter((a) => a !== alg)) expect(importJwk({ ...generated.publicJwk, alg: other }), other).toBeUndefined()
  })

  it('computes RFC 7638 thumbprints (the RFC\'s own RSA example)', () => {
    const n = '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw'
    expect(thumbprint({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' } as JsonWebKey)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
  })

  it('refuses an RSA key under 2048 bits when importing a JWKS', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
    expect(importJwk({ ...small, kid: 'small', alg: 'RS256', use: 'sig' })).toBeUndefined()
  })
})

function decode (part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString()) as Record<string, unknown>
}

describe('createTokenMinter', () => {
  const { generated, key } = makeKey()
  const minter = createTokenMinter({ issuer: 'https://kg.example', ttlSeconds: 300, key })
  const subject = { sub: 'team-a', clientId: 'abc123', scope: 'orders:read', aud: 'orders', keyGeneration: 3 }

  it('signs an EdDSA at+jwt with the kid, verifiable with the public JWK', () => {
    const { token } = minter.mint(subject, 1_700_000_000_500)
    const [h, p, s] = token.split('.')
    expect(decode(h)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: generated.kid })
    const publicKey = createPublicKey({ key: generated.publicJwk as unknown as JsonWebKey, format: 'jwk' })
    expect(verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s ?? '', 'base64url'))).toBe(true)
  })

  it('carries exactly the RFC 9068 claims with exp = iat + ttl, and the key generation', () => {
    const { token, claims } = minter.mint(subject, 1_700_000_000_500)
    const payload = decode(token.split('.')[1])
    expect(payload).toEqual(claims)
    expect(payload).toMatchObject({ iss: 'https://kg.example', sub: 'team-a', aud: 'orders', client_id: 'abc123', scope: 'orders:read', iat: 1_700_000_000, exp: 1_700_000_300, kgen: 3 })
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'kgen', 'scope', 'sub'])
  })

  it('gives every token a distinct jti', () => {
    const jtis = new Set(Array.from({ length: 1000 }, () => minter.mint(subject).claims.jti))
    expect(jtis.size).toBe(1000)
  })
})

describe('newJti', () => {
  it('gives 128 random bits each time, never one twice, across draws from the CSPRNG', () => {
    const jtis = Array.from({ length: 1000 }, newJti)
    expect(new Set(jtis).size).toBe(1000)
    for (const jti of jtis) expect(Buffer.from(jti, 'base64url')).toHaveLength(16)
  })
})
