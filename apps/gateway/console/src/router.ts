// Where the page is: a hash route (`#/keys/<keyId>`, `#/audit?actor=…`), so that nothing reaches the server.

export type RouteName = 'keys' | 'key' | 'create' | 'audit' | 'signing-keys' | 'verifiers'

export interface Route {
  name: RouteName
  /** The keyId of the `key` route. */
  id?: string
  query: URLSearchParams
}

// A malformed escape (`%E0`) is kept as typed: the API refuses it with its own message.
function decodeSegment (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The route of a location hash; the keys list for anything it does not know. */
export function routeOf (hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2)
  const query = new URLSearchParams(search)
  const parts = path.split('/').filter((p) => p !== '').map(decodeSegment)
  if (parts[0] === 'keys' && parts[1] !== undefined) return { name: 'key', id: parts[1], query }
  if (parts[0] === 'create' || parts[0] === 'audit' || parts[0] === 'signing-keys' || parts[0] === 'verifiers') return { name: parts[0], query }
  return { name: 'keys', query }
}

export type Query = Record<string, string | undefined>

/** `path?query`, the empty values left out (no `?` when none is left). */
export function withQuery (path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value)
  const search = params.toString()
  return search === '' ? path : `${path}?${search}`
}

/** The hash of a route with a query. */
export function hashOf (path: string, query: Query = {}): string {
  return withQuery(`#/${path}`, query)
}

export function keyHash (keyId: string): string {
  return `#/keys/${encodeURIComponent(keyId)}`
}
