// The client-credentials exchange: authenticate the key, narrow scope and audience, mint the token.
import { formatScope, isValidScopeList, missingScopes, parseScope } from '@keygate/protocol'
import { errors } from '../errors.ts'
import type { KeyService } from '../keys/service.ts'
import type { PresentedKey } from '../keys/client-credentials.ts'
import type { ApiKeyRecord } from '../keys/store.ts'
import type { MintedToken, TokenMinter } from './mint.ts'

export interface ExchangeInput {
  presented: PresentedKey
  scope?: string | undefined
  audience?: string | undefined
  clientIp?: string | undefined
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
}

export interface ExchangeDeps {
  keys: KeyService
  minter: () => TokenMinter
  defaultAudience: string
  ttlSeconds: number
}

function grantScopes (key: ApiKeyRecord, scope: string | undefined): string[] {
  const requested = parseScope(scope)
  if (requested.length === 0) return key.scopes
  if (!isValidScopeList(requested) || missingScopes(requested, key.scopes).length > 0) throw new errors.KG_ERR_SCOPE_INVALID()
  return requested
}

function grantAudience (key: ApiKeyRecord, audience: string | undefined, defaultAudience: string): string | string[] {
  const allowed = key.audiences.length > 0 ? key.audiences : [defaultAudience]
  if (audience !== undefined) {
    if (!allowed.includes(audience)) throw new errors.KG_ERR_TARGET_INVALID()
    return audience
  }
  return allowed.length === 1 ? allowed[0] as string : allowed
}

/** Authenticates first, so that an unauthenticated caller learns nothing about a key's scopes. */
export async function exchangeApiKey (deps: ExchangeDeps, input: ExchangeInput): Promise<{ response: TokenResponse, minted: MintedToken, key: ApiKeyRecord }> {
  const key = await deps.keys.authenticate(input.presented.key, { clientId: input.presented.clientId, clientIp: input.clientIp })
  const scopes = grantScopes(key, input.scope)
  const aud = grantAudience(key, input.audience, deps.defaultAudience)
  const scope = formatScope(scopes)
  const minted = deps.minter().mint({ sub: key.owner, clientId: key.keyId, scope, aud })
  return {
    response: { access_token: minted.token, token_type: 'Bearer', expires_in: deps.ttlSeconds, scope },
    minted,
    key
  }
}
