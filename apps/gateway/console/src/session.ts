// The signed-in admin: its credential (an API key, or a keypair key's non-extractable private key) and
// its current token, held in this page's memory only (no cookie, no storage): closing the tab, reloading
// or signing out forgets them.
import { type KeypairCredential, signAssertion } from './assertion.ts'
import { ADMIN_SCOPE } from './vocabulary.ts'
import { REQUEST_DEFAULTS, errorOf } from './api.ts'

/** A token is renewed this long before it expires. */
const RENEW_BEFORE_MS = 30_000
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export type Credential = { kind: 'secret', apiKey: string } | ({ kind: 'keypair' } & KeypairCredential)

export interface Session {
  /** The keyId of the key signed in with: the actor of every change made here. */
  readonly keyId: string
  /** A token with at least RENEW_BEFORE_MS left. */
  token (): Promise<string>
  /** A new token now (the current one was refused). */
  renew (): Promise<string>
  /** Drops the credential and the token. */
  forget (): void
}

interface Grant { token: string, expiresAt: number, keyId: string }

// The issuer identifier an assertion's audience must name (it may differ from this page's origin behind a proxy).
async function issuerOf (): Promise<string> {
  const response = await fetch('/.well-known/oauth-authorization-server', REQUEST_DEFAULTS)
  if (!response.ok) throw await errorOf(response)
  return (await response.json() as { issuer: string }).issuer
}

async function authenticationOf (credential: Credential): Promise<Record<string, string>> {
  if (credential.kind === 'secret') return { client_secret: credential.apiKey }
  return { client_id: credential.keyId, client_assertion_type: ASSERTION_TYPE, client_assertion: await signAssertion(credential, await issuerOf()) }
}

async function exchange (credential: Credential, audience: string): Promise<Grant> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: ADMIN_SCOPE, ...await authenticationOf(credential) })
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

/** Exchanges an admin credential for an admin token (for `audience` when the gateway has an admin audience). */
export async function signIn (credential: Credential, audience: string): Promise<Session> {
  let held: Credential | undefined = credential
  let grant: Grant | undefined = await exchange(credential, audience)
  // Screens call in parallel: one renewal serves them all.
  let renewing: Promise<string> | undefined
  const keyId = grant.keyId
  function renew (): Promise<string> {
    if (held === undefined) return Promise.reject(new Error('Signed out'))
    const from = held
    renewing ??= exchange(from, audience).then((next) => {
      if (held !== from) throw new Error('Signed out')
      grant = next
      return next.token
    }).finally(() => { renewing = undefined })
    return renewing
  }
  return {
    keyId,
    async token () {
      if (grant === undefined) throw new Error('Signed out')
      return grant.expiresAt - Date.now() > RENEW_BEFORE_MS ? grant.token : await renew()
    },
    renew,
    forget () {
      held = undefined
      grant = undefined
    }
  }
}
