import { describe, expect, it } from 'vitest'
import { credentialsOf } from './client-credentials.ts'

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

describe('credentialsOf', () => {
  it('reads client_secret and client_id from the body', () => {
    expect(credentialsOf(undefined, { client_id: 'abc', client_secret: 's3cret' })).toEqual({ clientId: 'abc', secret: 's3cret' })
  })

  it('reads HTTP Basic, form-decoding both halves, an empty user meaning no client_id', () => {
    expect(credentialsOf(basic('a%2Bb', 'x+y%3A'), {})).toEqual({ clientId: 'a+b', secret: 'x y:' })
    expect(credentialsOf(basic('', 'k'), {})).toEqual({ clientId: undefined, secret: 'k' })
  })

  it('throws invalid_client for missing or undecodable credentials, invalid_request for two methods', () => {
    expect(() => credentialsOf(undefined, {})).toThrow(expect.objectContaining({ code: 'KG_ERR_CLIENT_INVALID', cause: { reason: 'malformed' } }))
    expect(() => credentialsOf(`Basic ${Buffer.from('no-colon').toString('base64')}`, {})).toThrow(expect.objectContaining({ code: 'KG_ERR_CLIENT_INVALID' }))
    expect(() => credentialsOf(basic('%E0%A4%A', 'k'), {})).toThrow(expect.objectContaining({ code: 'KG_ERR_CLIENT_INVALID', cause: { reason: 'malformed' } }))
    expect(() => credentialsOf(basic('a', 'k'), { client_secret: 'k' })).toThrow(expect.objectContaining({ code: 'KG_ERR_REQUEST_INVALID' }))
  })
})
