import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { describe, expect, it, onTestFinished } from 'vitest'
import keygateVerifier from '@keygate/verifier'
import Fastify from 'fastify'
import { forgeJwt } from '../support/forge.ts'

// A real JWKS endpoint on port 0 whose keys and health the test controls.
async function jwksServer () {
  const state = { keys: [] as object[], status: 200, hits: 0 }
  const server: Server = createServer((_req, res) => {
    state.hits++
    res.writeHead(state.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: state.keys }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address() as { port: number }
  return { state, url: `http://127.0.0.1:${address.port}/jwks.json` }
}

function keyPair (kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' } }
}

async function service (jwksUrl: string, options: { jwksCooldownMs?: number, jwksMaxAgeMs?: number } = {}) {
  const app = Fastify()
  await app.register(keygateVerifier, { issuer: 'https://kg.example', audience: 'api', jwksUrl, ...options })
  app.get('/', { preHandler: app.authenticate }, async (request) => request.principal)
  onTestFinished(() => app.close())
  return app
}

function token (privateKey: ReturnType<typeof keyPair>['privateKey'], kid: string): string {
  const now = Math.floor(Date.now() / 1000)
  return forgeJwt({ alg: 'EdDSA', typ: 'at+jwt', kid }, { iss: 'https://kg.example', sub: 's', aud: 'api', client_id: 'c', scope: '', jti: `j${Math.random()}`, iat: now, exp: now + 60 }, { ed25519: privateKey })
}

describe('JWKS cache', () => {
  it('fetches once for many tokens of a known kid', async () => {
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    jwks.state.keys = [k1.jwk]
    const app = await service(jwks.url)
    const results = await Promise.all(Array.from({ length: 20 }, () => app.inject({ url: '/', headers: { authorization: `Bearer ${token(k1.privateKey, 'k1')}` } })))
    expect(results.every((r) => r.statusCode === 200)).toBe(true)
    expect(jwks.state.hits).toBe(1)
  })

  it('refetches for a new kid once the cooldown has passed, not before', async () => {
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    const k2 = keyPair('k2')
    jwks.state.keys = [k1.jwk]
    const app = await service(jwks.url, { jwksCooldownMs: 300 })
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k1.privateKey, 'k1')}` } })).statusCode).toBe(200)
    jwks.state.keys = [k1.jwk, k2.jwk]
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k2.privateKey, 'k2')}` } })).statusCode).toBe(401)
    expect(jwks.state.hits).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k2.privateKey, 'k2')}` } })).statusCode).toBe(200)
    expect(jwks.state.hits).toBe(2)
  })

  it('keeps the keys it has when the JWKS endpoint fails', async () => {
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    jwks.state.keys = [k1.jwk]
    const app = await service(jwks.url, { jwksMaxAgeMs: 1 })
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k1.privateKey, 'k1')}` } })).statusCode).toBe(200)
    jwks.state.status = 500
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k1.privateKey, 'k1')}` } })).statusCode).toBe(200)
    expect(jwks.state.hits).toBe(2)
  })

  it('ignores keys that are not pinned signing keys, and keeps the one that is', async () => {
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    const k2 = keyPair('k2')
    jwks.state.keys = [
      { ...k1.jwk, alg: 'HS256' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'k1', alg: 'HS256' },
      // An HMAC secret under a pinned algorithm's name, and an RSA key: neither kty is a signing key of ours.
      { kty: 'oct', k: 'c2VjcmV0', kid: 'k1', alg: 'EdDSA' },
      { kty: 'RSA', n: 'sXch', e: 'AQAB', kid: 'k1', alg: 'EdDSA' },
      { ...k1.jwk, use: 'enc' },
      // A key that cannot be imported verifies nothing, and spoils nothing beside it.
      { ...k1.jwk, x: 'not-a-key' },
      k2.jwk
    ]
    const app = await service(jwks.url)
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k1.privateKey, 'k1')}` } })).statusCode).toBe(401)
    expect((await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k2.privateKey, 'k2')}` } })).statusCode).toBe(200)
  })

  it('treats a JWKS document without a keys array as publishing no key', async () => {
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    jwks.state.keys = { k1: k1.jwk } as unknown as object[]
    const app = await service(jwks.url)
    const res = await app.inject({ url: '/', headers: { authorization: `Bearer ${token(k1.privateKey, 'k1')}` } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ error: 'invalid_token' })
  })
})
