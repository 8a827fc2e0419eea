import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import * as oidc from 'openid-client'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { gatewayAtItsIssuer } from '../support/downstream.ts'
import { fileDatabase, fileMasterKey } from '../support/gateway.ts'
import { buildExampleService } from '@keygate/example-service'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('standard clients', () => {
  it('openid-client obtains a token with discovery and the client-credentials grant; jose verifies it', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const { key, record } = await gw.createKey({ scopes: ['orders:read', 'orders:write'] })
    const config = await oidc.discovery(new URL(url), record.keyId, key, undefined, { algorithm: 'oauth2', execute: [oidc.allowInsecureRequests] })
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' })
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.expiresIn()).toBeGreaterThan(290)

    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)), {
      issuer: url, audience: 'keygate', typ: 'at+jwt', algorithms: ['EdDSA']
    })
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(payload).toMatchObject({ client_id: record.keyId, scope: 'orders:read' })
  })

  it('runs the README curl walk-through as written', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const readme = await readFile(`${ROOT}/README.md`, 'utf8')
    const script = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme)?.[1]
    expect(script).toBeTruthy()
    const db = await fileDatabase()
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script ?? ''], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', KEYGATE_URL: url, DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey() },
      timeout: 60_000
    })
    expect(stdout).toMatch(/"token_type":"Bearer"/)
    expect(stdout).toMatch(/"alg":"EdDSA","typ":"at\+jwt"/)
    expect(stdout).toMatch(/"keys":\[\{"kty":"OKP"/)
    await gw.app.close()
  })
  it('runs apps/example-caller against example-service through the gateway', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const { key } = await gw.createKey({ scopes: ['orders:read', 'orders:write'] })
    const service = await buildExampleService({ host: '127.0.0.1', port: 0, issuer: url, jwksUrl: `${url}/.well-known/jwks.json`, audience: 'keygate', redis: undefined, redisPrefix: 'keygate:', failOpen: false }, { logger: false })
    const serviceUrl = await service.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=keygate-source', '--import', 'tsx', 'src/main.ts'], {
        cwd: `${ROOT}/apps/example-caller`,
        env: { PATH: process.env.PATH ?? '', KEYGATE_ISSUER: url, KEYGATE_API_KEY: key, SERVICE_URL: serviceUrl, CALLS: '3' },
        timeout: 30_000
      })
      expect(stdout).toMatch(/^POST \/orders → 201 \{"id":1,"item":"coffee","by":"team-a"\}$/m)
      expect(stdout.match(/^GET \/orders → 200 /gm)).toHaveLength(3)
      expect(stdout).not.toContain(key)
    } finally {
      await service.close()
    }
  })
})
