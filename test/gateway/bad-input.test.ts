import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { buildTestGateway } from '../support/gateway.ts'

describe('bad input at the token endpoint', () => {
  it('answers 400 invalid_request without grant_type', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    const res = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload: { client_secret: key } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('answers 400 unsupported_grant_type for another grant', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    for (const grant of ['password', 'authorization_code', 'refresh_token', 'CLIENT_CREDENTIALS']) {
      const res = await gw.exchange(key, { grant_type: grant })
      expect(res.statusCode, grant).toBe(400)
      expect(res.json(), grant).toMatchObject({ error: 'unsupported_grant_type' })
    }
  })

  it('answers 413 to a body over the limit', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&scope=${'a'.repeat(20_000)}`
    })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('answers 400 naming the field for an over-long or mistyped parameter', async () => {
    const gw = await buildTestGateway()
    const long = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_secret: 'x'.repeat(600) } })
    expect(long.statusCode).toBe(400)
    expect(long.json<{ error_description: string }>().error_description).toContain('client_secret')
    const typed = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', scope: ['a', 'b'] } })
    expect(typed.statusCode).toBe(400)
  })

  it('answers 400 to malformed JSON and 415 to an unknown content type', async () => {
    const gw = await buildTestGateway()
    const json = await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":' })
    expect(json.statusCode).toBe(400)
    const xml = await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/xml' }, payload: '<a/>' })
    expect(xml.statusCode).toBe(415)
  })

  it('never answers 5xx to random bodies, headers and content types', async () => {
    const gw = await buildTestGateway()
    const { key, record } = await gw.createKey()
    const field = fc.oneof(fc.string({ maxLength: 80 }), fc.constant(key), fc.constant(record.keyId), fc.constant('client_credentials'))
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope', 'audience', 'x'), fc.oneof(field, fc.integer(), fc.array(field, { maxLength: 3 }), fc.constant(null))),
      fc.string({ maxLength: 300 })
    )
    const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', '', 'multipart/form-data; boundary=x')
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 100 }),
      fc.string({ maxLength: 60 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.string({ maxLength: 60 }).map((s) => `Basic ${s}`),
      fc.constant(`Basic ${Buffer.from(`%zz:${key}`).toString('base64')}`)
    )
    await fc.assert(fc.asyncProperty(body, contentType, authorization, async (payload, type, auth) => {
      const headers: Record<string, string> = {}
      if (type !== '') headers['content-type'] = type
      if (auth !== undefined) headers.authorization = auth
      const res = await gw.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers,
        payload: typeof payload === 'string' ? payload : type.includes('urlencoded') ? new URLSearchParams(payload as Record<string, string>).toString() : JSON.stringify(payload)
      })
      expect(res.statusCode, res.body).toBeLessThan(500)
      expect(() => res.json(), res.body).not.toThrow()
    }), { seed: 19, numRuns: Number(process.env.KEYGATE_PROPERTY_RUNS ?? 300) })
  })

  it('answers unknown routes with a 404 JSON body', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({ method: 'GET', url: '/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: 'not_found' })
  })
})
