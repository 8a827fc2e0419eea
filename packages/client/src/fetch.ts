// A fetch that adds the bearer token and, on a 401 invalid_token, refreshes once and retries once.
import type { TokenProvider } from './token-provider.ts'

export type AuthenticatedFetch = (input: string | URL, init?: RequestInit) => Promise<Response>

function isInvalidToken (res: Response): boolean {
  return res.status === 401 && /error="?invalid_token/.test(res.headers.get('www-authenticate') ?? '')
}

export function createAuthenticatedFetch (provider: TokenProvider, options: { fetch?: typeof globalThis.fetch } = {}): AuthenticatedFetch {
  const doFetch = options.fetch ?? globalThis.fetch
  const withToken = (init: RequestInit | undefined, token: string): RequestInit => {
    const headers = new Headers(init?.headers)
    headers.set('authorization', `Bearer ${token}`)
    return { ...init, headers }
  }
  return async (input, init) => {
    const signal = init?.signal ?? undefined
    const token = await provider.getToken(signal ? { signal } : {})
    const res = await doFetch(input, withToken(init, token))
    if (!isInvalidToken(res)) return res
    // One fresh token, one retry: a revoked key surfaces as the provider's error, never as a loop.
    await res.body?.cancel()
    provider.invalidate(token)
    const fresh = await provider.getToken(signal ? { signal } : {})
    return doFetch(input, withToken(init, fresh))
  }
}
