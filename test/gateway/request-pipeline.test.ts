import { describe, expect, it } from 'vitest'
import { generateApiKey } from '@keygate/gateway'
import { buildTestGateway } from '../support/gateway.ts'

describe('one request pipeline for every answer', () => {
  it('passes every refusal through the hooks a plugin adds (onRequest and onSend headers reach it)', async () => {
    const gw = await buildTestGateway()
    gw.app.addHook('onRequest', async (_request, reply) => { reply.header('x-on-request', 'seen') })
    gw.app.addHook('onSend', async (_request, reply) => { reply.header('x-on-send', 'seen') })
    const cases = {
      malformed: { grant_type: 'client_credentials', client_secret: 'not-a-key' },
      unknown: { grant_type: 'client_credentials', client_secret: generateApiKey('kg_live').key },
      badRequest: { client_secret: 'x' },
      mistyped: { grant_type: ['client_credentials'] }
    }
    for (const [name, payload] of Object.entries(cases)) {
      const res = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload })
      expect(res.statusCode, name).toBeGreaterThanOrEqual(400)
      expect(res.headers['x-on-request'], name).toBe('seen')
      expect(res.headers['x-on-send'], name).toBe('seen')
    }
  })

  it('takes JSON bodies as sent: no value is coerced to another type', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    const cases = {
      grantAsArray: { grant_type: ['client_credentials'], client_secret: key },
      secretAsArray: { grant_type: 'client_credentials', client_secret: [key] },
      scopeAsNumber: { grant_type: 'client_credentials', client_secret: key, scope: 5 }
    }
    for (const [name, payload] of Object.entries(cases)) {
      const res = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload })
      expect(res.statusCode, `${name}: ${res.body}`).toBe(400)
      expect(res.json(), name).toMatchObject({ error: 'invalid_request' })
    }
  })
})
