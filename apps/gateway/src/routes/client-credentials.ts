// Client authentication of RFC 6749 §2.3.1: HTTP Basic or client_secret in the body, never both.
// Refusals are returned, not thrown: under a flood of bad credentials, a throw costs more than the check.
import { errors, malformedClient } from '../errors.ts'

export interface Credentials { clientId: string | undefined, secret: string }

// RFC 6749 §2.3.1: client_id and password are form-encoded before base64.
function basicCredentials (header: string): Credentials | Error {
  const encoded = header.slice(6).trim()
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return malformedClient
  const clientId = formDecode(decoded.slice(0, colon))
  const secret = formDecode(decoded.slice(colon + 1))
  if (clientId === undefined || secret === undefined) return malformedClient
  return { clientId: clientId === '' ? undefined : clientId, secret }
}

function formDecode (text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

/** The presented credentials, or the error that refuses them. */
export function credentialsOf (authorization: string | undefined, body: { client_id?: string | undefined, client_secret?: string | undefined }): Credentials | Error {
  const basic = authorization !== undefined && /^basic /i.test(authorization)
  if (basic && body.client_secret !== undefined) return new errors.KG_ERR_REQUEST_INVALID('use one client authentication method, not both')
  if (basic) return basicCredentials(authorization)
  if (body.client_secret === undefined) return malformedClient
  return { clientId: body.client_id, secret: body.client_secret }
}
