import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '@keygate/gateway'
import { buildTestGateway } from '../support/gateway.ts'

describe('the console\'s files', () => {
  it('are not served with KEYGATE_CONSOLE=false, and the admin API is unchanged', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_CONSOLE: 'false' } })
    for (const url of ['/console', '/console/main.js']) {
      const res = await gw.app.inject({ url })
      expect(res.statusCode, url).toBe(404)
      expect(res.json()).toEqual({ error: 'not_found', error_description: 'Route not found' })
      expect(res.headers['content-security-policy']).toBeUndefined()
    }
    expect((await gw.app.inject({ url: '/admin/keys' })).statusCode).toBe(401)
  })

  it('name the admin audience in the page, escaped, for the sign-in to ask tokens for', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_ADMIN_AUDIENCE: 'ops "admin" <x> & co' } })
    const page = (await gw.app.inject({ url: '/console' })).body
    expect(page).toContain('<meta name="keygate-admin-audience" content="ops &quot;admin&quot; &lt;x&gt; &amp; co">')
    const plain = (await (await buildTestGateway()).app.inject({ url: '/console/' })).body
    expect(plain).toContain('<meta name="keygate-admin-audience" content="">')
  })

  it('are on by default; KEYGATE_CONSOLE takes a boolean only', () => {
    expect(loadConfig({}).console).toBe(true)
    expect(loadConfig({ KEYGATE_CONSOLE: 'false' }).console).toBe(false)
    expect(() => loadConfig({ KEYGATE_CONSOLE: 'maybe' })).toThrow(ConfigError)
    expect(() => loadConfig({ KEYGATE_CONSOLE: 'maybe' })).toThrow(/^KEYGATE_CONSOLE/)
  })
})
