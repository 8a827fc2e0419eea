import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import keygateVerifier from '@keygate/verifier'
import Fastify from 'fastify'
import { forgeJwt } from '../support/forge.ts'

interface Answer { status: number, type: string, body: string, hang?: boolean }

// A real JWKS endpoint on port 0 whose answer the test controls.
async function jwksServer () {
  const state = { keys: [] as unknown, answer: undefined as Answer | undefined, hits: 0 }
  const server: Server = createServer((_req, res) => {
    state.hits++
    const answer = state.answer ?? { status: 200, type: 'application/json', body: JSON.stringify({ keys: state.keys }) }
    if (answer.hang) return
    res.writeHead(answer.status, { 'content-type': answer.type })
    res.end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const address = server.address() as { port: number }
  return { state, url: `http://127.0.0.1:${address.port}/jwks.json` }
}

function keyPair (kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' } }
}

async function service (jwksUrl: string, options: { jwksCooldownMs?: number, jwksMaxAgeMs?: number, jwksTimeoutMs?: number } = {}) {
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

const call = (app: Awaited<ReturnType<typeof service>>, t: string) => app.inject({ url: '/', headers: { authorization: `Bearer ${t}` } })

// The JWKS cache reads Date.now(): moving the clock moves its max age and cooldown, and nothing else.
function frozenClock (): (ms: number) => void {
  vi.useFakeTimers({ toFake: ['Date'] })
  return (ms) => vi.setSystemTime(Date.now() + ms)
}
afterEach(() => { vi.useRealTimers() })

describe('JWKS cache', () => {
  it('fetches once for many tokens of a known kid', async () => {
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    jwks.state.keys = [k1.jwk]
    const app = await service(jwks.url)
    const results = await Promise.all(Array.from({ length: 20 }, () => call(app, token(k1.privateKey, 'k1'))))
    expect(results.every((r) => r.statusCode === 200)).toBe(true)
    expect(jwks.state.hits).toBe(1)
  })

  it('refetches for a new kid once the cooldown has passed, not before', async () => {
    const advance = frozenClock()
    const jwks = await jwksServer()
    const k1 = keyPair('k1')
    const k2 = keyPair('k2')
    jwks.state.keys = [k1.jwk]
    const app = await service(jwks.url, { jwksCooldownMs: 30_000 })
    expect((await call(app, token(k1.privateKey, 'k1'))).statusCode).toBe(200)
    jwks.state.keys = [k1.jwk, k2.jwk]
    advance(29_000)
    expect((await call(app, token(k2.privateKey, 'k2'))).statusCode).toBe(401)
    expect(jwks.state.hits).toBe(1)
    advance(1_000)
    expect((await call(app, token(k2.privateKey, 'k2'))).statusCode).toBe(200)
    expect(jwks.state.hits).toBe(2)
  })

  const unusable: Record<string, Answer> = {
    'an empty key set': { status: 200, type: 'application/json', body: '{"keys":[]}' },
    'keys that are not a list': { status: 200, type: 'application/json', body: '{"keys":"x"}' },
    'a document without keys': { status: 200, type: 'application/json', body: '{"k1":{}}' },
    'an HTML page': { status: 200, type: 'text/html', body: '<html><body>maintenance</body></html>' },
    'a 500': { status: 500, type: 'application/json', body: '{"keys":[]}' },
    'a timeout': { status: 200, type: 'application/json', body: '', hang: true }
  }
  for (const [name, answer] of Object.entries(unusable)) {
    it(`keeps the keys it has when a refresh answers ${name}`, async () => {
      const advance = frozenClock()
      const jwks = await jwksServer()
      const k1 = keyPair('k1')
      jwks.state.keys = [k1.jwk]
      const app = await service(jwks.url, { jwksMaxAgeMs: 60_000, jwksTimeoutMs: 200 })
      expect((await call(app, token(k1.privateKey, 'k1'))).statusCode).toBe(200)
      jwks.state.answer = answer
      advance(60_000)
      // Past its max age the known kid is refetched: the bad answer is refused and the key kept.
      expect((await call(app, token(k1.privateKey, 'k1'))).statusCode).toBe(200)
      expect(jwks.state.hits).toBe(2)
      // A random kid cannot empty the cache either.
      advance(60_000)
      expect((await call(app, token(keyPair('k9').privateKey, 'k9'))).statusCode).toBe(401)
      expect((await call(app, token(k1.privateKey, 'k1'))).statusCode).toBe(200)
    })
  }

  it('counts refused answers in its metrics', async () => {
    const jwks = await jwksServer()
    jwks.state.answer = unusable['an empty key set']
    const app = await service(jwks.url)
    expect((await call(app, token(keyPair('k1').privateKey, 'k1'))).statusCode).toBe(401)
    expect(await app.keygateMetrics.metrics()).toMatch(/^keygate_verifier_jwks_bad_answers_total 1$/m)
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
      null,
      k2.jwk
    ]
    const app = await service(jwks.url)
    expect((await call(app, token(k1.privateKey, 'k1'))).statusCode).toBe(401)
    expect((await call(app, token(k2.privateKey, 'k2'))).statusCode).toBe(200)
  })
})
