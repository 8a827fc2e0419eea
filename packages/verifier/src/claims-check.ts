// What a token must say once its signature holds: typ, issuer, audience, the claims and their types, and
// its times against this verifier's clock with a tolerance. Pure: no key, no I/O.
import { ACCESS_TOKEN_TYPE } from '@keygate/protocol'
import { invalidToken } from './errors.ts'

export interface ClaimRules {
  issuer: string
  /** `null`: any audience. */
  audience: string | string[] | null
  clockToleranceSeconds: number
  maxTokenLifetimeSeconds: number
}

function audienceOf (aud: unknown): string[] | undefined {
  if (typeof aud === 'string') return [aud]
  if (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string')) return aud
  return undefined
}

/** What a principal is made of, once every rule holds. */
export interface CheckedClaims { sub: string, clientId: string, scope: string, jti: string, iat: number, exp: number, keyGeneration: number }

/** The claims, checked; throws KG_VERIFIER_ERR_TOKEN_INVALID with the reason. */
export function checkClaims (header: Record<string, unknown>, payload: Record<string, unknown>, rules: ClaimRules, nowSeconds: number): CheckedClaims {
  if (header.typ !== ACCESS_TOKEN_TYPE) throw invalidToken('typ')
  const { iss, sub, client_id: clientId, scope, jti, iat, exp, nbf, kgen = 0 } = payload
  const aud = audienceOf(payload.aud)
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof clientId !== 'string' || typeof scope !== 'string' || typeof jti !== 'string') throw invalidToken('claims')
  if (typeof iat !== 'number' || typeof exp !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) throw invalidToken('claims')
  if (typeof kgen !== 'number' || !Number.isSafeInteger(kgen) || kgen < 0 || aud === undefined) throw invalidToken('claims')
  if (iss !== rules.issuer) throw invalidToken('issuer')
  const wanted = typeof rules.audience === 'string' ? [rules.audience] : rules.audience
  if (wanted !== null && !aud.some((a) => wanted.includes(a))) throw invalidToken('audience')
  const tolerance = rules.clockToleranceSeconds
  if (exp + tolerance <= nowSeconds) throw invalidToken('expired')
  if (nbf !== undefined && nbf - tolerance > nowSeconds) throw invalidToken('not_yet_valid')
  if (exp - iat > rules.maxTokenLifetimeSeconds) throw invalidToken('lifetime')
  if (iat > nowSeconds + tolerance) throw invalidToken('issued_in_future')
  return { sub, clientId, scope, jti, iat, exp, keyGeneration: kgen }
}
