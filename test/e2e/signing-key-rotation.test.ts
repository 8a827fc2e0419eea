import { describe, expect, it } from 'vitest'
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose'
import { buildTestGateway, fileDatabase } from '../support/gateway.ts'
import { runCli } from '../support/cli.ts'

const MASTER_KEY = Buffer.alloc(32, 9).toString('base64')

describe('signing key rotation', () => {
  it('keeps verifying tokens signed before a rotation, and signs new ones with the new kid', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_MASTER_KEY: MASTER_KEY } })
    const { key } = await gw.createKey()
    const address = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const before = (await gw.exchange(key)).json<{ access_token: string }>().access_token
    const oldKid = decodeProtectedHeader(before).kid

    const db = await fileDatabase()
    const rotated = await runCli(['signing-keys', 'rotate', '--activate-in', '0', '--json'], { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: MASTER_KEY })
    expect(rotated.code, rotated.stderr).toBe(0)
    const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid
    await gw.app.signer.refresh()

    const after = (await gw.exchange(key)).json<{ access_token: string }>().access_token
    expect(decodeProtectedHeader(after).kid).toBe(newKid)
    expect(newKid).not.toBe(oldKid)

    const jwks = createRemoteJWKSet(new URL(`${address}/.well-known/jwks.json`))
    const options = { issuer: 'http://keygate.test', typ: 'at+jwt', algorithms: ['EdDSA'] }
    await expect(jwtVerify(before, jwks, options)).resolves.toBeTruthy()
    await expect(jwtVerify(after, jwks, options)).resolves.toBeTruthy()
    const kids = (await (await fetch(`${address}/.well-known/jwks.json`)).json() as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid)
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]))

    // Once the old key's tokens can no longer live, it leaves the JWKS.
    await db.pool.query('UPDATE signing_keys SET retires_at = now() WHERE kid = $1', [oldKid])
    await gw.app.signer.refresh()
    const later = (await (await fetch(`${address}/.well-known/jwks.json`)).json() as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid)
    expect(later).toEqual([newKid])
  })

  it('publishes a pending key before it signs', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_MASTER_KEY: MASTER_KEY } })
    const current = gw.app.signer.minter().kid
    const db = await fileDatabase()
    const rotated = await runCli(['signing-keys', 'rotate', '--json'], { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: MASTER_KEY })
    const pending = JSON.parse(rotated.stdout) as { kid: string, activatesAt: string }
    expect(new Date(pending.activatesAt).getTime() - Date.now()).toBeGreaterThan(250_000)
    await gw.app.signer.refresh()
    expect(gw.app.signer.minter().kid).toBe(current)
    const kids = (await gw.app.inject({ url: '/.well-known/jwks.json' })).json<{ keys: Array<{ kid: string }> }>().keys.map((k) => k.kid)
    expect(kids).toContain(pending.kid)
  })
})
