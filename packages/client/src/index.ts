// @keygate/client: get keygate tokens right without writing token code.

/**
 * A token provider.
 *
 * @example
 * const tokens = createTokenProvider({ issuer: 'https://auth.example.com', apiKey: process.env.KEYGATE_API_KEY })
 * const token = await tokens.getToken()
 */
export { createTokenProvider, type TokenProvider, type TokenProviderOptions } from './token-provider.ts'
export type { AssertionKey } from './client-assertion.ts'

/**
 * A fetch with the bearer token added; refreshes once and retries once on a 401 invalid_token.
 *
 * @example
 * const api = createAuthenticatedFetch(tokens)
 * const res = await api('https://orders.internal/orders')
 */
export { createAuthenticatedFetch, type AuthenticatedFetch } from './fetch.ts'

/** TokenRequestError: refused (4xx, not retried); TokenUnavailableError: unreachable after retries. */
export { TokenRequestError, TokenUnavailableError } from './errors.ts'
