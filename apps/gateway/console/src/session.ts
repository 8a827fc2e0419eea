// The signed-in admin: the key and its current token, held in this page's memory only (no cookie, no
// storage): closing the tab, reloading or signing out forgets both.
import { ADMIN_SCOPE } from './vocabulary.ts'
import { REQUEST_DEFAULTS, errorOf } from './api.ts'

/** A token is renewed this long before it expires. */
const RENEW_BEFORE_MS = 30_000

export interface Session {
  /** The keyId of the key signed in with: the actor of every change made here. */
  readonly keyId: string
  /** A token with at least RENEW_BEFORE_MS left. */
  token (): Promise<string>
  /** A new token now (the current one was refused). */
  renew (): Promise<string>
  /** Drops the key and the token. */
  forget (): void
}

interface Grant { token: string, expiresAt: number, keyId: string }

async function exchange (apiKey: string, audience: string): Promise<Grant> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_secret: apiKey, scope: ADMIN_SCOPE })
  if (audience !== '') body.set('audience', audience)
  const response = await fetch('/oauth/token', { ...REQUEST_DEFAULTS, method: 'POST', body })
  if (!response.ok) throw await errorOf(response)
  const { access_token: token, expires_in: expiresIn } = await response.json() as { access_token: string, expires_in: number }
  return { token, expiresAt: Date.now() + expiresIn * 1000, keyId: clientIdOf(token) }
}

// The token's client_id, to name the actor: read, not trusted (the API checks the token).
function clientIdOf (token: string): string {
  const payload = token.split('.')[1] ?? ''
  const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'))
  const claims = JSON.parse(json) as { client_id?: unknown }
  return typeof claims.client_id === 'string' ? claims.client_id : ''
}

/** Exchanges an admin key for an admin token (for `audience` when the gateway has an admin audience). */
export async function signIn (apiKey: string, audience: string): Promise<Session> {
  let key: string | undefined = apiKey
  let grant: Grant | undefined = await exchange(apiKey, audience)
  const keyId = grant.keyId
  async function renew (): Promise<string> {
    if (key === undefined) throw new Error('Signed out')
    grant = await exchange(key, audience)
    return grant.token
  }
  return {
    keyId,
    async token () {
      if (grant === undefined) throw new Error('Signed out')
      return grant.expiresAt - Date.now() > RENEW_BEFORE_MS ? grant.token : await renew()
    },
    renew,
    forget () {
      key = undefined
      grant = undefined
    }
  }
}
