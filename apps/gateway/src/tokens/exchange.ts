// The client-credentials exchange: authenticate the key, narrow scope and audience, mint the token.
import { MAX_EXCHANGE_SECONDS, formatScope, isValidScopeList, missingScopes, parseScope } from '@keygate/protocol'
import { errors } from '../errors.ts'
import type { ApiKeyRecord } from '../keys/store.ts'
import type { MintedToken, TokenMinter } from './mint.ts'

export interface ExchangeInput {
  /** Authenticates the client (its secret or its assertion) and returns its key: throws when it cannot. */
  authenticate: () => Promise<ApiKeyRecord>
  scope?: string | undefined
  /** The audiences asked for (`audience` and RFC 8707 `resource` parameters); none: every one the key has. */
  audiences?: readonly string[] | undefined
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
}

export interface ExchangeDeps {
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

function grantAudience (key: ApiKeyRecord, requested: readonly string[] | undefined, defaultAudience: string): string | string[] {
  const allowed = key.audiences.length > 0 ? key.audiences : [defaultAudience]
  const granted = requested === undefined || requested.length === 0 ? allowed : [...new Set(requested)]
  if (granted.some((audience) => !allowed.includes(audience))) throw new errors.KG_ERR_TARGET_INVALID()
  return granted.length === 1 ? granted[0] as string : granted
}

/**
 * Authenticates first, so that an unauthenticated caller learns nothing about a key's scopes. The token
 * carries the key's generation as read here: a revocation committed meanwhile voids it, however late it is
 * signed. The signature comes at most MAX_EXCHANGE_SECONDS after the read (what a key revocation's lifetime
 * counts on); a later one is refused as overload.
 */
export async function exchangeApiKey (deps: ExchangeDeps, input: ExchangeInput): Promise<{ response: TokenResponse, minted: MintedToken, key: ApiKeyRecord }> {
  const started = Date.now()
  const key = await input.authenticate()
  const scopes = grantScopes(key, input.scope)
  const aud = grantAudience(key, input.audiences, deps.defaultAudience)
  const scope = formatScope(scopes)
  if (Date.now() - started > MAX_EXCHANGE_SECONDS * 1000) throw new errors.KG_ERR_OVERLOADED({ cause: 'exchange took too long' })
  const minted = deps.minter().mint({ sub: key.owner, clientId: key.keyId, scope, aud, keyGeneration: key.generation })
  return {
    response: { access_token: minted.token, token_type: 'Bearer', expires_in: deps.ttlSeconds, scope },
    minted,
    key
  }
}
