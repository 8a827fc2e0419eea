// No secret in a log: a run that sends keys and tokens in every place and encoding a client might use,
// at the most verbose log level, and a scan of everything the gateway logged.
import { describe, expect, it } from 'vitest'
import { parseApiKey } from '@keygate/gateway'
import { adminHeaders, buildTestGateway } from '../support/gateway.ts'

const everyByte = (text: string): string => [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
const encodings = (secret: string): string[] => [
  secret,
  encodeURIComponent(secret),
  secret.replaceAll('_', '%5F'),
  secret.replaceAll('_', '%5f'),
  secret.replaceAll('.', '%2E'),
  everyByte(secret),
  encodeURIComponent(encodeURIComponent(secret.replaceAll('_', '%5F')))
]
// In a JSON string a client may escape any character.
const jsonEscaped = (secret: string): string[] => [secret.replaceAll('_', '\\u005f'), secret.replaceAll('_', '\\u005F')]

describe('logs', () => {
  it('hold no API key, secret or token, whatever the encoding and wherever it was sent', async () => {
    const gw = await buildTestGateway({ env: { LOG_LEVEL: 'trace' } })
    const { key, record } = await gw.createKey()
    const { authorization } = await adminHeaders(gw)
    const token = authorization.slice('Bearer '.length)
    const secrets = [key, token]
    const form = { 'content-type': 'application/x-www-form-urlencoded' }

    for (const secret of secrets) {
      for (const encoded of encodings(secret)) {
        await gw.app.inject({ method: 'POST', url: `/oauth/token?client_secret=${encoded}`, payload: { grant_type: 'client_credentials', client_secret: key } })
        await gw.app.inject({ method: 'GET', url: `/oauth/token?client_secret=${encoded}` })
        await gw.app.inject({ method: 'GET', url: `/admin/keys/${encoded}`, headers: { authorization } })
        await gw.app.inject({ method: 'GET', url: `/admin/keys?owner=${encoded}`, headers: { authorization } })
        await gw.app.inject({ method: 'GET', url: `/nowhere/${encoded}?t=${encoded}` })
        await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_secret=${encoded}` })
        await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: `{"grant_type":"client_credentials","client_secret":"${encoded}"` })
        await gw.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization }, payload: { token: encoded } })
        await gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { authorization: `Basic ${Buffer.from(`${record.keyId}:${encoded}`).toString('base64')}` }, payload: { token: encoded } })
        await gw.app.inject({ method: 'GET', url: '/admin/keys', headers: { authorization: `Bearer ${encoded}` } })
      }
      for (const escaped of jsonEscaped(secret)) {
        await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: `{"grant_type":"client_credentials","client_secret":"${escaped}"}` })
        await gw.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: `{"grant_type":"client_credentials","client_secret":"${escaped}"` })
        await gw.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization, 'content-type': 'application/json' }, payload: `{"token":"${escaped}"}` })
      }
    }

    const logged = gw.logs.text
    expect(gw.logs.lines.length).toBeGreaterThan(300)
    const parts = parseApiKey(key) as NonNullable<ReturnType<typeof parseApiKey>>
    const needles = [parts.secret, token.split('.')[2] as string, ...secrets.flatMap(encodings), ...secrets.flatMap(jsonEscaped)]
    for (const needle of needles) expect(logged.includes(needle), `${needle.slice(0, 40)} in ${gw.logs.lines.find((l) => l.includes(needle))}`).toBe(false)
    // The requests did get logged, with the secrets replaced.
    expect(logged).toContain('[api-key]')
    expect(logged).toContain('[jwt]')
  })
})
