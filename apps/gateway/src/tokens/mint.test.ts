import { type JsonWebKey, createPublicKey, createPrivateKey, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTokenMinter } from './mint.ts'
import { generateSigningKey } from './signing-keys.ts'

function makeKey () {
  const generated = generateSigningKey()
  const privatePem = createPrivateKey({ key: generated.privateDer, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string
  return { generated, key: { kid: generated.kid, alg: 'EdDSA' as const, privatePem } }
}

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
