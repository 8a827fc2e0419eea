// Errors of @keygate/client. Messages carry status and OAuth error codes, never the API key.

/** The gateway refused the request (RFC 6749 §5.2): not retried. */
export class TokenRequestError extends Error {
  override name = 'TokenRequestError'
  constructor (readonly error: string, readonly status: number, readonly description?: string) {
    super(`token request refused: ${status} ${error}${description ? ` (${description})` : ''}`)
  }
}

/** The gateway could not be reached or kept failing after every retry. */
export class TokenUnavailableError extends Error {
  override name = 'TokenUnavailableError'
}
