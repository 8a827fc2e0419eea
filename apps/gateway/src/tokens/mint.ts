// Access tokens (RFC 9068 profile): lean claims, EdDSA, typ at+jwt, a unique jti, exp = iat + TTL, the key's generation.
import { randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from '@keygate/protocol'
import type { SigningKey } from './signing-keys.ts'

export interface TokenSubject {
  sub: string
  clientId: string
  scope: string
  aud: string | string[]
  /** The key's policy generation as read for this exchange. */
  keyGeneration: number
}

export interface MintedToken {
  token: string
  claims: AccessTokenClaims
}

export interface TokenMinter {
  readonly kid: string
  mint (subject: TokenSubject, nowMs?: number): MintedToken
}

export interface MinterOptions {
  issuer: string
  ttlSeconds: number
  key: SigningKey
}

const JTI_BYTES = 16
// Drawn from the CSPRNG 256 jtis at a time, as crypto.randomUUID does: one call per 256 tokens, not one each.
const JTIS_PER_DRAW = 256
let drawn = Buffer.alloc(0)
let offset = 0

/** 128 random bits, URL-safe, each bit used once. */
export function newJti (): string {
  if (offset === drawn.length) {
    drawn = randomBytes(JTI_BYTES * JTIS_PER_DRAW)
    offset = 0
  }
  offset += JTI_BYTES
  return drawn.toString('base64url', offset - JTI_BYTES, offset)
}

export function createTokenMinter ({ issuer, ttlSeconds, key }: MinterOptions): TokenMinter {
  const sign = createSigner({ algorithm: key.alg, key: key.privatePem, kid: key.kid, header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE } })
  return {
    kid: key.kid,
    mint (subject, nowMs = Date.now()) {
      const iat = Math.floor(nowMs / 1000)
      const claims: AccessTokenClaims = {
        iss: issuer,
        sub: subject.sub,
        aud: subject.aud,
        client_id: subject.clientId,
        scope: subject.scope,
        jti: newJti(),
        iat,
        exp: iat + ttlSeconds,
        kgen: subject.keyGeneration
      }
      return { token: sign(claims), claims }
    }
  }
}
