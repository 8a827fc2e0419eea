// Client authentication of RFC 6749 §2.3.1: HTTP Basic or client_secret in the body, never both.
import { errors, refuseClient } from '../errors.ts'
import { type ApiKeyParts, parseApiKey } from './format.ts'

export interface Credentials { clientId: string | undefined, secret: string }

function formDecode (text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    throw refuseClient('malformed')
  }
}

// RFC 6749 §2.3.1: client_id and password are form-encoded before base64.
function basicCredentials (header: string): Credentials {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw refuseClient('malformed')
  const clientId = formDecode(decoded.slice(0, colon))
  return { clientId: clientId === '' ? undefined : clientId, secret: formDecode(decoded.slice(colon + 1)) }
}

/** The presented credentials; throws the error that refuses them. */
export function credentialsOf (authorization: string | undefined, body: { client_id?: string | undefined, client_secret?: string | undefined }): Credentials {
  const basic = authorization !== undefined && /^basic /i.test(authorization)
  if (basic && body.client_secret !== undefined) throw new errors.KG_ERR_REQUEST_INVALID('use one client authentication method, not both')
  if (basic) return basicCredentials(authorization)
  if (body.client_secret === undefined) throw refuseClient('malformed')
  return { clientId: body.client_id, secret: body.client_secret }
}

/** A presented API key, split and checksum-checked, with the client_id sent beside it. */
export interface PresentedKey {
  clientId: string | undefined
  key: ApiKeyParts
}

/** The presented credentials as an API key; throws invalid_client when they are not one. */
export function presentedKeyOf (authorization: string | undefined, body: { client_id?: string | undefined, client_secret?: string | undefined }): PresentedKey {
  const { clientId, secret } = credentialsOf(authorization, body)
  const key = parseApiKey(secret)
  if (!key) throw refuseClient('malformed')
  return { clientId, key }
}
