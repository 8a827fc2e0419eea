import { describe, expect, it } from 'vitest'
import { errors, oauthBodyOf, refuseClient } from './errors.ts'

describe('oauthBodyOf', () => {
  it('gives the RFC 6749 §5.2 body of a refusal', () => {
    const err = refuseClient('malformed') as Error & { code: 'KG_ERR_CLIENT_INVALID' }
    expect(oauthBodyOf(err)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' })
  })

  it('carries the message of an error made with arguments', () => {
    const err = new errors.KG_ERR_REQUEST_INVALID('grant_type is required')
    expect(oauthBodyOf(err)).toEqual({ error: 'invalid_request', error_description: 'grant_type is required' })
    expect(oauthBodyOf(new errors.KG_ERR_NOT_FOUND('key'))).toEqual({ error: 'not_found', error_description: 'key not found' })
  })
})
