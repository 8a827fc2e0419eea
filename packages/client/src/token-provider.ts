// createTokenProvider: a cached token, refreshed before expiry with jitter, one request in flight for all
// callers, retries with backoff on network errors and 5xx (Retry-After honoured), never on 4xx. The API key
// goes only to the token endpoint: the one configured, or the one the issuer's own metadata names on the
// issuer's origin (RFC 8414 §3.3), and never along a redirect.
import { createClientAssertion, type AssertionKey, assertionSigner } from './client-assertion.ts'
import { backoffDelay, retryAfterMs, sleep } from './backoff.ts'
import { TokenRequestError, TokenUnavailableError } from './errors.ts'

interface CommonOptions {
  /** The gateway's issuer: the token URL comes from RFC 8414 discovery. */
  issuer?: string
  /** The token endpoint, when known (skips discovery). */
  tokenUrl?: string
  scope?: string
  audience?: string
  /** Refresh this long before expiry; at most a fifth of the token's lifetime. Default 60. */
  refreshBeforeSeconds?: number
  /** Retries after the first attempt. Default 4. */
  retries?: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** Per-attempt timeout. Default 10 000 ms. */
  timeoutMs?: number
  fetch?: typeof globalThis.fetch
}

/** A secret key: `apiKey` (`kg_live_…`). */
interface SecretKeyOptions extends CommonOptions {
  apiKey: string
  privateKey?: never
  clientId?: never
}

/**
 * A keypair key: its private key (KeyObject, PKCS#8 PEM or private JWK; Ed25519 or P-256) signs a fresh
 * assertion (RFC 7523) for each request; no secret is sent. `clientId` is the key's keyId; `issuer` is
 * the assertion's audience.
 */
interface KeypairKeyOptions extends CommonOptions {
  privateKey: AssertionKey
  clientId: string
  issuer: string
  apiKey?: never
}

export type TokenProviderOptions = SecretKeyOptions | KeypairKeyOptions

export interface TokenProvider {
  /** A valid access token, from cache when possible. */
  getToken (options?: { signal?: AbortSignal }): Promise<string>
  /** Forgets the cached token (after a 401 from a resource server). */
  invalidate (token?: string): void
}

interface Cached { token: string, expiresAt: number, refreshAt: number }

function originOf (url: string): string | undefined {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

export function createTokenProvider (options: TokenProviderOptions): TokenProvider {
  if (!options.apiKey === !options.privateKey) throw new TypeError('apiKey or privateKey is required (one of them)')
  if (!options.issuer && !options.tokenUrl) throw new TypeError('issuer or tokenUrl is required')
  if (options.privateKey && (!options.clientId || !options.issuer)) throw new TypeError('privateKey needs clientId and issuer (the assertion\'s audience)')
  const signer = options.privateKey ? assertionSigner(options.privateKey) : undefined
  const doFetch = options.fetch ?? globalThis.fetch
  const retries = options.retries ?? 4
  const baseDelayMs = options.baseDelayMs ?? 200
  const maxDelayMs = options.maxDelayMs ?? 10_000
  const timeoutMs = options.timeoutMs ?? 10_000
  let tokenUrl = options.tokenUrl
  let cached: Cached | undefined
  let inFlight: Promise<Cached> | undefined

  async function withRetries<T> (attempt: () => Promise<T>): Promise<T> {
    let last: unknown
    for (let n = 0; n <= retries; n++) {
      try {
        return await attempt()
      } catch (err) {
        if (err instanceof TokenRequestError) throw err
        last = err
        if (n === retries) break
        const hinted = (err as { retryAfterMs?: number }).retryAfterMs
        await sleep(hinted ?? backoffDelay(n, baseDelayMs, maxDelayMs))
      }
    }
    throw new TokenUnavailableError(`token endpoint unavailable after ${retries + 1} attempts`, { cause: last })
  }

  // A 5xx or network failure is retried; anything the server says about the request itself is not.
  async function send (url: string, init: RequestInit): Promise<Response> {
    let res: Response
    try {
      res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      throw new TokenUnavailableError('token endpoint unreachable', { cause: err })
    }
    if (res.status >= 500 || res.status === 429) {
      await res.body?.cancel()
      throw Object.assign(new TokenUnavailableError(`token endpoint answered ${res.status}`), { retryAfterMs: retryAfterMs(res.headers.get('retry-after')) })
    }
    return res
  }

  async function discover (): Promise<string> {
    if (tokenUrl) return tokenUrl
    const issuer = (options.issuer as string).replace(/\/+$/, '')
    const res = await send(`${issuer}/.well-known/oauth-authorization-server`, { headers: { accept: 'application/json' } })
    if (!res.ok) throw new TokenRequestError('discovery_failed', res.status)
    const metadata = await res.json() as { issuer?: unknown, token_endpoint?: unknown }
    if (metadata.issuer !== issuer) throw new TokenRequestError('discovery_failed', res.status, 'the metadata names another issuer')
    if (typeof metadata.token_endpoint !== 'string') throw new TokenRequestError('discovery_failed', res.status, 'no token_endpoint')
    if (originOf(metadata.token_endpoint) !== originOf(issuer)) throw new TokenRequestError('discovery_failed', res.status, 'the token_endpoint is not on the issuer\'s origin')
    tokenUrl = metadata.token_endpoint
    return tokenUrl
  }

  async function requestToken (): Promise<Cached> {
    const url = await withRetries(discover)
    return withRetries(async () => {
      const body = new URLSearchParams({ grant_type: 'client_credentials' })
      if (signer) {
        const audience = (options.issuer as string).replace(/\/+$/, '')
        body.set('client_id', options.clientId as string)
        body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        body.set('client_assertion', createClientAssertion(signer, options.clientId as string, audience))
      } else {
        body.set('client_secret', options.apiKey as string)
      }
      if (options.scope) body.set('scope', options.scope)
      if (options.audience) body.set('audience', options.audience)
      // A redirect would carry the key elsewhere (a 307 or 308 re-sends the body): it is an error.
      const res = await send(url, { method: 'POST', body, headers: { accept: 'application/json' }, redirect: 'manual' })
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel()
        throw new TokenRequestError('redirect_refused', res.status, 'the token endpoint redirected; the key is sent to no other URL')
      }
      const json = await res.json().catch(() => ({})) as { access_token?: unknown, expires_in?: unknown, error?: unknown, error_description?: unknown }
      if (!res.ok || typeof json.access_token !== 'string') {
        throw new TokenRequestError(typeof json.error === 'string' ? json.error : 'invalid_response', res.status, typeof json.error_description === 'string' ? json.error_description : undefined)
      }
      const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 300
      const before = Math.min(options.refreshBeforeSeconds ?? 60, lifetime / 5)
      // Up to a quarter of the margin earlier, at random: a fleet started together does not refresh in step.
      const jitter = Math.random() * before * 0.25
      const now = Date.now()
      return { token: json.access_token, expiresAt: now + lifetime * 1000, refreshAt: now + (lifetime - before - jitter) * 1000 }
    })
  }

  function refresh (): Promise<Cached> {
    inFlight ??= requestToken()
      .then((fresh) => { cached = fresh; return fresh })
      .finally(() => { inFlight = undefined })
    return inFlight
  }

  function abortable<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return promise
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  return {
    async getToken ({ signal } = {}) {
      const now = Date.now()
      if (cached && now < cached.refreshAt) return cached.token
      // Past the refresh point but still valid: serve it while one refresh runs in the background.
      if (cached && now < cached.expiresAt - 1000) {
        refresh().catch(() => {})
        return cached.token
      }
      return (await abortable(refresh(), signal)).token
    },
    invalidate (token) {
      if (token === undefined || cached?.token === token) cached = undefined
    }
  }
}
