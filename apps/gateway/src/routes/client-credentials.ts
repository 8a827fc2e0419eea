// Client authentication of RFC 6749 §2.3.1: HTTP Basic or client_secret in the body, never both.
import { errors, refuseClient } from '../errors.ts'

export interface Credentials { clientId: string | undefined, secret: string }

// RFC 6749 §2.3.1: client_id and password are form-encoded before base64.
function basicCredentials (header: string): Credentials {
  const encoded = header.slice(6).trim()
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw refuseClient('malformed')
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '))
    return { clientId: clientId === '' ? undefined : clientId, secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')) }
  } catch {
    throw refuseClient('malformed')
  }
}

export function credentialsOf (authorization: string | undefined, body: { client_id?: string | undefined, client_secret?: string | undefined }): Credentials {
  const basic = authorization !== undefined && /^basic /i.test(authorization)
  if (basic && body.client_secret !== undefined) throw new errors.KG_ERR_REQUEST_INVALID('use one client authentication method, not both')
  if (basic) return basicCredentials(authorization)
  if (body.client_secret === undefined) throw refuseClient('malformed')
  return { clientId: body.client_id, secret: body.client_secret }
}
