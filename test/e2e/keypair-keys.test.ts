// Keys the gateway cannot leak: keypair keys authenticate by a signed assertion (RFC 7523, private_key_jwt),
// the gateway holds only their public keys. Standard clients unchanged; every forgery refused the same way.
import { generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto'
import { createServer } from 'node:http'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTokenProvider } from '@keygate/client'
import { buildExampleService } from '@keygate/example-service'
import Fastify from 'fastify'
import pg from 'pg'
import * as oidc from 'openid-client'
import * as oauth from 'oauth4webapi'
import { SignJWT, exportJWK, exportSPKI } from 'jose'
import keygateVerifier from '@keygate/verifier'
import { gatewayAtItsIssuer } from '../support/downstream.ts'
import { adminHeaders, buildTestGateway, decodeJwt, fileDatabase, type TestGateway } from '../support/gateway.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { spawnGateway } from '../support/processes.ts'
import type { RunningProcess } from '../support/process.ts'
import { fileMasterKey } from '../support/gateway.ts'
import { until } from '../support/until.ts'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const form = { 'content-type': 'application/x-www-form-urlencoded' }

type Alg = 'EdDSA' | 'ES256'
const pairOf = (alg: Alg): { privateKey: KeyObject, publicKey: KeyObject } => alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })

async function keypairKey (gw: TestGateway, alg: Alg, extra: Record<string, unknown> = {}) {
  const admin = await adminHeaders(gw)
  const pair = pairOf(alg)
  const publicKey = alg === 'EdDSA' ? await exportSPKI(pair.publicKey) : await exportJWK(pair.publicKey)
  const res = await gw.app.inject({ method: 'POST', url: '/admin/keys', headers: { authorization: admin.authorization }, payload: { name: 'kp', owner: 'team-k', scopes: ['orders:read'], publicKey, ...extra } })
  expect(res.statusCode, res.body).toBe(201)
  const created = res.json<{ keyId: string, credential: string, key?: string, publicKeys: Array<{ thumbprint: string }> }>()
  expect(created.credential).toBe('keypair')
  expect(created.key).toBeUndefined()
  return { ...pair, keyId: created.keyId, thumbprint: created.publicKeys[0]?.thumbprint as string, admin }
}

function assertion (key: KeyObject, alg: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...header }).sign(key)
}

function claimsFor (keyId: string, issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { iss: keyId, sub: keyId, aud: issuer, iat: now, exp: now + 60, jti: `j-${Math.random().toString(36).slice(2)}`, ...overrides }
}

function exchange (gw: TestGateway | string, clientAssertion: string, extra = '') {
  const payload = `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${clientAssertion}${extra}`
  if (typeof gw === 'string') return fetch(`${gw}/oauth/token`, { method: 'POST', headers: form, body: payload }).then(async (r) => ({ statusCode: r.status, body: await r.text() }))
  return gw.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload })
}

async function verifierAt (issuer: string) {
  const app = Fastify()
  await app.register(keygateVerifier, { issuer, audience: 'keygate' })
  app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async (request) => request.principal)
  onTestFinished(() => app.close())
  return app
}

describe('keypair keys', () => {
  it.each(['EdDSA', 'ES256'] as const)('%s: openid-client (PrivateKeyJwt) and oauth4webapi obtain tokens, unchanged; the tokens verify with the key\'s scopes and its keyId as client_id', async (alg) => {
    const { gw, url } = await gatewayAtItsIssuer()
    const { keyId, privateKey } = await keypairKey(gw, alg)
    const cryptoKey = await crypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])

    const config = await oidc.discovery(new URL(url), keyId, {}, oidc.PrivateKeyJwt(cryptoKey), { algorithm: 'oauth2', execute: [oidc.allowInsecureRequests] })
    const viaOpenidClient = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' })

    const as = await oauth.processDiscoveryResponse(new URL(url), await oauth.discoveryRequest(new URL(url), { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }))
    const response = await oauth.clientCredentialsGrantRequest(as, { client_id: keyId }, oauth.PrivateKeyJwt(cryptoKey), new URLSearchParams({ scope: 'orders:read' }), { [oauth.allowInsecureRequests]: true })
    const viaOauth4webapi = await oauth.processClientCredentialsResponse(as, { client_id: keyId }, response)

    const service = await verifierAt(url)
    for (const token of [viaOpenidClient.access_token, viaOauth4webapi.access_token]) {
      expect(decodeJwt(token).payload).toMatchObject({ client_id: keyId, scope: 'orders:read', sub: 'team-k' })
      const res = await service.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ clientId: keyId, scopes: ['orders:read'] })
    }
  })

  it('refuses every forged, replayed or misaddressed assertion with the same 401 invalid_client, and never calls a jku', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const { keyId, privateKey, publicKey } = await keypairKey(gw, 'EdDSA')
    const other = await keypairKey(gw, 'EdDSA')
    let jkuCalls = 0
    const jku = createServer((_req, res) => { jkuCalls++; res.end('{"keys":[]}') })
    await new Promise<void>((resolve) => jku.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => jku.close(() => resolve())))
    const jkuUrl = `http://127.0.0.1:${(jku.address() as { port: number }).port}/jwks`
    const now = Math.floor(Date.now() / 1000)
    const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
    const hmac = async (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(await exportSPKI(publicKey)))
    const foreign = generateKeyPairSync('ed25519').privateKey
    const replayed = await assertion(privateKey, 'EdDSA', claimsFor(keyId, url))
    expect((await exchange(gw, replayed)).statusCode).toBe(200)

    const cases: Record<string, Promise<string> | string> = {
      'replayed at the same gateway': replayed,
      'aud as an array': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { aud: [url] })),
      'aud = the token endpoint URL': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { aud: `${url}/oauth/token` })),
      'another issuer as aud': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { aud: 'https://other.example' })),
      'exp more than 5 minutes ahead': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { exp: now + 400 })),
      'exp passed': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { exp: now - 120 })),
      'a jti with a NUL byte': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { jti: 'a\u0000b' })),
      'no exp': assertion(privateKey, 'EdDSA', { ...claimsFor(keyId, url), exp: undefined }),
      'no jti': assertion(privateKey, 'EdDSA', { ...claimsFor(keyId, url), jti: undefined }),
      'iat in the future': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { iat: now + 300 })),
      'iss is not sub': assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { iss: other.keyId })),
      'sub is another key': assertion(privateKey, 'EdDSA', claimsFor(other.keyId, url)),
      'signed by another key': assertion(foreign, 'EdDSA', claimsFor(keyId, url)),
      'signed by another key of the gateway': assertion(other.privateKey, 'EdDSA', claimsFor(keyId, url)),
      'alg none': `${b64({ alg: 'none' })}.${b64(claimsFor(keyId, url))}.`,
      'HS256 keyed with the public key': hmac(claimsFor(keyId, url)),
      'an embedded jwk': assertion(foreign, 'EdDSA', claimsFor(keyId, url), { jwk: await exportJWK(generateKeyPairSync('ed25519').publicKey) }),
      'a jku': assertion(foreign, 'EdDSA', claimsFor(keyId, url), { jku: jkuUrl }),
      'ES256 claimed for an Ed25519 key': assertion(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256', claimsFor(keyId, url)),
      'a secret key\'s keyId': (async () => { const { record } = await gw.createKey(); return assertion(privateKey, 'EdDSA', claimsFor(record.keyId, url)) })()
    }
    const bodies = new Set<string>()
    for (const [name, made] of Object.entries(cases)) {
      const res = await exchange(gw, await made)
      expect(res.statusCode, `${name}: ${res.body}`).toBe(401)
      bodies.add(res.body)
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' })])
    // Past its exp but within the clock tolerance it is still accepted once, and only once.
    const late = await assertion(privateKey, 'EdDSA', claimsFor(keyId, url, { exp: now - 10, iat: now - 70 }))
    expect((await exchange(gw, late)).statusCode).toBe(200)
    expect((await exchange(gw, late)).statusCode).toBe(401)
    expect(jkuCalls).toBe(0)
    // The client_id beside the assertion must be its keyId.
    expect((await exchange(gw, await assertion(privateKey, 'EdDSA', claimsFor(keyId, url)), `&client_id=${other.keyId}`)).statusCode).toBe(401)
  })

  it('refuses a revoked, disabled or expired key and an allowlist miss, and authenticates /oauth/revoke too', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const made = await Promise.all([keypairKey(gw, 'ES256'), keypairKey(gw, 'ES256'), keypairKey(gw, 'ES256', { expiresAt: '2030-01-01T00:00:00Z' }), keypairKey(gw, 'ES256', { ipAllowlist: ['10.0.0.0/8'] })])
    const [revoked, disabled, expired, elsewhere] = made as [typeof made[0], typeof made[0], typeof made[0], typeof made[0]]
    const headers = { authorization: revoked.admin.authorization }
    expect((await gw.app.inject({ method: 'POST', url: `/admin/keys/${revoked.keyId}/revoke`, headers })).statusCode).toBe(200)
    expect((await gw.app.inject({ method: 'POST', url: `/admin/keys/${disabled.keyId}/disable`, headers })).statusCode).toBe(200)
    await (await fileDatabase()).pool.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1", [expired.keyId])
    for (const k of [revoked, disabled, expired, elsewhere]) {
      expect((await exchange(gw, await assertion(k.privateKey, 'ES256', claimsFor(k.keyId, url)))).statusCode, k.keyId).toBe(401)
    }
    // A keypair key revokes its own token by assertion, as a secret key does by its secret.
    const fine = await keypairKey(gw, 'ES256')
    const token = (JSON.parse((await exchange(gw, await assertion(fine.privateKey, 'ES256', claimsFor(fine.keyId, url)))).body) as { access_token: string }).access_token
    const res = await gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: form, payload: `token=${token}&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${await assertion(fine.privateKey, 'ES256', claimsFor(fine.keyId, url))}` })
    expect(res.statusCode, res.body).toBe(200)
    const introspected = await gw.app.inject({ method: 'POST', url: '/oauth/introspect', headers, payload: { token } })
    expect(introspected.json()).toEqual({ active: false })
  })

  it('refuses a replay at a second gateway process sharing the database', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const { keyId, privateKey } = await keypairKey(gw, 'EdDSA')
    const db = await fileDatabase()
    const running: RunningProcess[] = []
    onTestFinished(() => { for (const p of running) p.child.kill('SIGKILL') })
    const second = await spawnGateway({ DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey(), KEYGATE_ISSUER: url, LOG_LEVEL: 'warn' }, running)
    const signed = await assertion(privateKey, 'EdDSA', claimsFor(keyId, url))
    expect((await exchange(second.url, signed)).statusCode).toBe(200)
    expect((await exchange(gw, signed)).statusCode).toBe(401)
    const fresh = await assertion(privateKey, 'EdDSA', claimsFor(keyId, url))
    expect((await exchange(gw, fresh)).statusCode).toBe(200)
    expect((await exchange(second.url, fresh)).statusCode).toBe(401)
  })

  it('refuses a replay at another replica with Redis configured too: the jti lives in Postgres, which every replica shares', async () => {
    const env = { REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: redisPrefix() }
    const { gw, url } = await gatewayAtItsIssuer(env)
    const replica = await buildTestGateway({ env: { ...env, KEYGATE_ISSUER: url } })
    const { keyId, privateKey } = await keypairKey(gw, 'ES256')
    const signed = await assertion(privateKey, 'ES256', claimsFor(keyId, url, { jti: 'once-only' }))
    expect((await exchange(replica, signed)).statusCode).toBe(200)
    expect((await exchange(gw, signed)).statusCode).toBe(401)
    // Kept for the assertion's exp plus the 30 s clock tolerance, not for ever.
    const { rows } = await (await fileDatabase()).pool.query<{ s: number }>("SELECT extract(epoch FROM expires_at - now())::int AS s FROM client_assertion_jtis WHERE key_id = $1 AND jti = 'once-only'", [keyId])
    expect(rows[0]?.s).toBeGreaterThan(60)
    expect(rows[0]?.s).toBeLessThanOrEqual(91)
  })

  it('rotates to the next public key: both authenticate during the grace period, only the new one after it', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const first = await keypairKey(gw, 'EdDSA')
    const next = generateKeyPairSync('ed25519')
    const rotated = await gw.app.inject({ method: 'POST', url: `/admin/keys/${first.keyId}/rotate`, headers: { authorization: first.admin.authorization }, payload: { gracePeriodSeconds: 3600, publicKey: await exportSPKI(next.publicKey) } })
    expect(rotated.statusCode, rotated.body).toBe(201)
    expect(rotated.json<{ keyId: string, publicKeys: unknown[] }>()).toMatchObject({ keyId: first.keyId })
    expect(rotated.json<{ publicKeys: unknown[] }>().publicKeys).toHaveLength(2)
    for (const key of [first.privateKey, next.privateKey]) expect((await exchange(gw, await assertion(key, 'EdDSA', claimsFor(first.keyId, url)))).statusCode).toBe(200)
    // The grace period is over (the clock moved, not waited for), in SQL: the replica hears it by NOTIFY.
    await (await fileDatabase()).pool.query("UPDATE key_public_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1 AND thumbprint = $2", [first.keyId, first.thumbprint])
    await until(async () => (await exchange(gw, await assertion(first.privateKey, 'EdDSA', claimsFor(first.keyId, url)))).statusCode === 401, 5_000)
    expect((await exchange(gw, await assertion(next.privateKey, 'EdDSA', claimsFor(first.keyId, url)))).statusCode).toBe(200)
    const audit = await (await fileDatabase()).pool.query("SELECT details FROM audit_log WHERE action = 'key.rotate' AND target = $1", [first.keyId])
    expect(audit.rows[0]?.details).toMatchObject({ previous: [first.thumbprint], gracePeriodSeconds: 3600 })
  })

  it('keeps a keypair key\'s row between exchanges; another replica\'s rotation reaches it by NOTIFY, a grace period\'s end by the clock', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const other = await buildTestGateway({ env: { KEYGATE_ISSUER: url } })
    await until(async () => gw.app.keyRows?.hearing === true, 5_000)
    const first = await keypairKey(gw, 'ES256')
    const signedBy = async (key: KeyObject) => exchange(gw, await assertion(key, 'ES256', claimsFor(first.keyId, url)))
    const rotateAtOther = async (next: KeyObject, gracePeriodSeconds: number) => {
      const res = await other.app.inject({ method: 'POST', url: `/admin/keys/${first.keyId}/rotate`, headers: { authorization: (await adminHeaders(other)).authorization }, payload: { gracePeriodSeconds, publicKey: await exportJWK(next) } })
      expect(res.statusCode, res.body).toBe(201)
    }
    const keptBefore = gw.app.keyRows?.size ?? 0
    expect((await signedBy(first.privateKey)).statusCode).toBe(200)
    expect(gw.app.keyRows?.size).toBe(keptBefore + 1)
    // Rotated at the other replica with no grace: the old private key stops here once the NOTIFY is heard.
    const second = pairOf('ES256')
    await rotateAtOther(second.publicKey, 0)
    await until(async () => (await signedBy(first.privateKey)).statusCode === 401, 5_000)
    expect((await signedBy(second.privateKey)).statusCode).toBe(200)
    // Rotated again with two seconds of grace: once heard, the row is read again and kept, and the previous
    // key stops when its grace ends, with no change to hear.
    const third = pairOf('ES256')
    await rotateAtOther(third.publicKey, 2)
    await until(async () => (await signedBy(third.privateKey)).statusCode === 200, 5_000)
    const listener = new pg.Client({ connectionString: (await fileDatabase()).url })
    await listener.connect()
    onTestFinished(() => listener.end())
    const heard: string[] = []
    listener.on('notification', (message) => { if (message.payload === first.keyId) heard.push(message.channel) })
    await listener.query('LISTEN keygate_key')
    expect((await signedBy(second.privateKey)).statusCode).toBe(200)
    await until(async () => (await signedBy(second.privateKey)).statusCode === 401, 5_000, 100)
    expect(heard).toEqual([])
    expect(gw.app.keyRows?.size).toBeGreaterThan(0)
    expect((await signedBy(third.privateKey)).statusCode).toBe(200)
  })

  it('@keygate/client and apps/example-caller authenticate with a private key, a fresh assertion per request', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const admin = await adminHeaders(gw)
    const res = await gw.app.inject({ method: 'POST', url: '/admin/keys', headers: { authorization: admin.authorization }, payload: { name: 'caller', owner: 'team-a', scopes: ['orders:read', 'orders:write'], keyPair: { alg: 'EdDSA' } } })
    const { keyId, privateKey } = res.json<{ keyId: string, privateKey: { pem: string, jwk: Record<string, string> } }>()
    for (const key of [privateKey.pem, privateKey.jwk, createPrivateKey(privateKey.pem)]) {
      const tokens = createTokenProvider({ issuer: url, privateKey: key, clientId: keyId })
      const token = await tokens.getToken()
      expect(decodeJwt(token).payload).toMatchObject({ client_id: keyId })
      tokens.invalidate()
      expect(await tokens.getToken()).not.toBe(token)
    }
    const dir = await mkdtemp(join(tmpdir(), 'keygate-caller-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'key.pem'), privateKey.pem, { mode: 0o600 })
    const service = await buildExampleService({ host: '127.0.0.1', port: 0, issuer: url, jwksUrl: `${url}/.well-known/jwks.json`, audience: 'keygate', redis: undefined, redisPrefix: 'keygate:', failOpen: false }, { logger: false })
    onTestFinished(() => service.close())
    const serviceUrl = await service.listen({ host: '127.0.0.1', port: 0 })
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=keygate-source', '--import', 'tsx', 'src/main.ts'], {
      cwd: fileURLToPath(new URL('../../apps/example-caller', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', KEYGATE_ISSUER: url, KEYGATE_PRIVATE_KEY_FILE: join(dir, 'key.pem'), KEYGATE_CLIENT_ID: keyId, SERVICE_URL: serviceUrl, CALLS: '2' },
      timeout: 30_000
    })
    expect(stdout).toMatch(/^POST \/orders → 201 /m)
    expect(stdout.match(/^GET \/orders → 200 /gm)).toHaveLength(2)
  })

  it('shows a generated private key once, in the creation response, and keeps it nowhere: not in the database, the audit or the logs', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const admin = await adminHeaders(gw)
    const res = await gw.app.inject({ method: 'POST', url: '/admin/keys', headers: { authorization: admin.authorization }, payload: { name: 'generated', owner: 'team-g', scopes: ['orders:read'], keyPair: { alg: 'ES256' } } })
    expect(res.statusCode, res.body).toBe(201)
    const created = res.json<{ keyId: string, privateKey: { pem: string, jwk: { d: string, kid: string } }, publicKeys: Array<{ thumbprint: string }> }>()
    expect(created.privateKey.jwk.kid).toBe(created.publicKeys[0]?.thumbprint)
    const token = await exchange(gw, await assertion(createPrivateKey(created.privateKey.pem), 'ES256', claimsFor(created.keyId, url), { kid: created.privateKey.jwk.kid }))
    expect(token.statusCode, token.body).toBe(200)

    const shown = await gw.app.inject({ url: `/admin/keys/${created.keyId}`, headers: { authorization: admin.authorization } })
    const pemBody = created.privateKey.pem.split('\n').slice(1, -2).join('')
    const db = await fileDatabase()
    const { stdout: dump } = await promisify(execFile)('pg_dump', ['--data-only', db.url], { maxBuffer: 64 * 1024 * 1024 })
    for (const [where, text] of [['the database', dump], ['the logs', gw.logs.text], ['a later read of the key', shown.body]] as const) {
      expect(text.includes(created.privateKey.jwk.d), where).toBe(false)
      expect(text.includes(pemBody.slice(0, 40)), where).toBe(false)
    }
    expect(dump).toContain(created.publicKeys[0]?.thumbprint)
  })
})
