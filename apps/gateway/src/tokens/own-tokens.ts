// Tokens of this gateway presented back to it (admin calls, introspection, RFC 7009 revocation): verified
// by @keygate/verifier's own code against the keys published now, then held to their standing in Postgres,
// which every replica shares: the key still usable at the token's generation, the jti not revoked, the
// signing key neither retired nor revoked.
import { ADMIN_SCOPE, type AccessTokenClaims, DEFAULT_CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_TTL_SECONDS } from '@keygate/protocol'
import { type TokenVerifier, VerifierError, createTokenVerifier, importJwk } from '@keygate/verifier'
import type { Queryable } from '../db/transaction.ts'
import { errors } from '../errors.ts'
import type { PublicJwk } from './signing-keys.ts'

/** A verified token of this gateway in good standing. */
export interface OwnToken {
  claims: AccessTokenClaims
  /** Whether the token's scope holds keygate:admin and its key still does. */
  admin: boolean
}

export interface OwnTokens {
  /**
   * Verifies `token` and its standing; with `forAdmin`, also the admin audience when one is configured.
   * Throws KG_ERR_TOKEN_INVALID.
   */
  check (token: string, options?: { forAdmin?: boolean }): Promise<OwnToken>
}

export interface OwnTokensOptions {
  db: Queryable
  issuer: string
  /** When set, admin calls take only tokens whose `aud` names it. */
  adminAudience?: string | undefined
  /** The keys published now (cached briefly by the signer): a retired or revoked kid is not among them. */
  publishedKeys: () => Promise<PublicJwk[]>
}

interface Standing { usable: boolean, generation: number, keyScopes: string[], jtiRevoked: boolean, kidPublished: boolean }

async function standingOf (db: Queryable, claims: { clientId: string, jti: string, kid: string }): Promise<Standing | undefined> {
  const { rows } = await db.query<Standing>(
    `SELECT k.revoked_at IS NULL AND k.disabled_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AS usable,
       k.generation, k.scopes AS "keyScopes",
       EXISTS (SELECT 1 FROM revocations r WHERE r.kind = 'token' AND r.subject = $2 AND r.expires_at > now()) AS "jtiRevoked",
       EXISTS (SELECT 1 FROM signing_keys s WHERE s.kid = $3 AND s.revoked_at IS NULL AND (s.retires_at IS NULL OR s.retires_at > now())) AS "kidPublished"
     FROM api_keys k WHERE k.key_id = $1`,
    [claims.clientId, claims.jti, claims.kid])
  return rows[0]
}

function decodePayload (token: string): AccessTokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as AccessTokenClaims
}

export function createOwnTokens ({ db, issuer, adminAudience, publishedKeys }: OwnTokensOptions): OwnTokens {
  // Imported as @keygate/verifier imports a JWKS: each key pinned to its own algorithm.
  const imported = new Map<string, ReturnType<typeof importJwk>>()
  async function keyFor (kid: string): Promise<ReturnType<typeof importJwk>> {
    const jwk = (await publishedKeys()).find((k) => k.kid === kid)
    if (!jwk) return undefined
    if (!imported.has(kid)) imported.set(kid, importJwk(jwk))
    return imported.get(kid)
  }
  const common = { issuer, keyFor, clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS, maxTokenLifetimeSeconds: MAX_TOKEN_TTL_SECONDS, cacheSize: 1000 }
  const anyAudience = createTokenVerifier({ ...common, audience: null })
  const adminOnly: TokenVerifier = adminAudience === undefined ? anyAudience : createTokenVerifier({ ...common, audience: adminAudience })

  return {
    async check (token, { forAdmin = false } = {}) {
      const verify = forAdmin ? adminOnly : anyAudience
      let principal
      try {
        principal = await verify(token)
      } catch (err) {
        // Only the token's own faults make it invalid: a database that cannot say which keys are published is a 503.
        if (!(err instanceof VerifierError)) throw err
        throw new errors.KG_ERR_TOKEN_INVALID({ cause: err.message })
      }
      const standing = await standingOf(db, principal)
      if (!standing?.usable) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'key not usable' })
      if (principal.keyGeneration < standing.generation) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'key changed since the token was minted' })
      if (standing.jtiRevoked) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'revoked' })
      if (!standing.kidPublished) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'signing key retired or revoked' })
      return { claims: decodePayload(token), admin: principal.scopes.includes(ADMIN_SCOPE) && standing.keyScopes.includes(ADMIN_SCOPE) }
    }
  }
}
