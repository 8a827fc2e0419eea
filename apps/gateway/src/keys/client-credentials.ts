// Client authentication: RFC 6749 §2.3.1 (HTTP Basic or client_secret in the body) for secret keys, RFC 7523
// §2.2 (a signed client_assertion) for keypair keys; exactly one method per request. Read here without I/O.
import { errors, refuseClient } from '../errors.ts'
import { ASSERTION_TYPE } from './client-assertion.ts'
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

/** The client authentication parameters a request may carry. */
export interface ClientAuthenticationParameters {
  client_id?: string | undefined
  client_secret?: string | undefined
  client_assertion_type?: string | undefined
  client_assertion?: string | undefined
}

export type ClientAuthentication =
  | { method: 'secret', presented: PresentedKey }
  | { method: 'assertion', assertion: string, clientId: string | undefined }

/** How the request authenticates its client; throws the error that refuses a malformed or mixed one. */
export function clientAuthenticationOf (authorization: string | undefined, body: ClientAuthenticationParameters): ClientAuthentication {
  if (body.client_assertion_type === undefined && body.client_assertion === undefined) return { method: 'secret', presented: presentedKeyOf(authorization, body) }
  if (body.client_assertion_type === undefined || body.client_assertion === undefined) throw new errors.KG_ERR_REQUEST_INVALID('client_assertion_type and client_assertion go together')
  if (body.client_secret !== undefined || (authorization !== undefined && /^basic /i.test(authorization))) throw new errors.KG_ERR_REQUEST_INVALID('use one client authentication method, not both')
  if (body.client_assertion_type !== ASSERTION_TYPE) throw refuseClient('assertion_malformed')
  return { method: 'assertion', assertion: body.client_assertion, clientId: body.client_id }
}
