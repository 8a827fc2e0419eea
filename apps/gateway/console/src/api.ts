// The admin API as the console calls it: same origin, a Bearer token, no cookies, and the API's own errors.
import { type Query, withQuery } from './router.ts'
import type { Session } from './session.ts'

/** A refusal of the API: its status, its OAuth `error` and the `error_description` the page shows. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly error: string, description: string) {
    super(description)
  }
}

/** What the page says of a failure: the API's error_description, or the error's own message. */
export function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Every request: nothing stored, no cookie sent, no referrer. */
export const REQUEST_DEFAULTS: RequestInit = { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', redirect: 'error' }

export async function errorOf (response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined)
  const { error, error_description: description } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown, error_description?: unknown }
  return new ApiError(response.status, typeof error === 'string' ? error : 'server_error',
    typeof description === 'string' ? description : `The gateway answered ${response.status}`)
}

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>
  post<T>(path: string, body?: unknown, query?: Query): Promise<T>
}

/**
 * Calls with the session's token; a 401 renews the token once (it may have been revoked or just expired)
 * and, when the gateway refuses the key itself, ends the session with the API's reason.
 */
export function createApi (session: Session, onSessionEnded: (reason: string) => void): Api {
  // The gateway refusing the credential itself (400, 401) ends the session; a 429, a 503 or a network
  // error is shown and the session kept, to retry.
  async function tokenFrom (get: () => Promise<string>): Promise<string> {
    try {
      return await get()
    } catch (err) {
      if (err instanceof ApiError && (err.status === 400 || err.status === 401)) onSessionEnded(err.message)
      throw err
    }
  }

  async function call<T> (method: string, path: string, body: unknown, query: Query | undefined): Promise<T> {
    const send = async (token: string) => fetch(withQuery(path, query), {
      ...REQUEST_DEFAULTS,
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    let response = await send(await tokenFrom(() => session.token()))
    if (response.status === 401) response = await send(await tokenFrom(() => session.renew()))
    if (!response.ok) throw await errorOf(response)
    return await response.json() as T
  }
  return {
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body = {}, query) => call('POST', path, body, query)
  }
}
