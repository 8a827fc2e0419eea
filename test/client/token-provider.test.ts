import { createServer } from 'node:http'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { TokenRequestError, createAuthenticatedFetch, createTokenProvider } from '@keygate/client'
import { buildTestGateway, adminHeaders, decodeJwt } from '../support/gateway.ts'
import { bearer, buildDownstream, gatewayAtItsIssuer } from '../support/downstream.ts'
import { until } from '../support/until.ts'

function exchangeCount (metrics: string, status = '200'): number {
  return Number(new RegExp(`keygate_token_exchanges_total\\{status="${status}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0)
}

// A real HTTP front that answers 503 (Retry-After: 1) a given number of times, then proxies to the gateway.
async function flakyFront (target: string, failures: number) {
  let seen = 0
  const server = createServer((req, res) => {
    seen++
    if (seen <= failures) {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' })
      res.end('{"error":"temporarily_unavailable"}')
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const init: RequestInit = { method: req.method ?? 'GET', headers: { 'content-type': req.headers['content-type'] ?? '' } }
      if (req.method === 'POST') init.body = Buffer.concat(chunks)
      fetch(`${target}${req.url ?? '/'}`, init)
        .then(async (r) => { res.writeHead(r.status, { 'content-type': 'application/json' }); res.end(await r.text()) })
        .catch(() => { res.writeHead(502); res.end() })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests: () => seen }
}

describe('@keygate/client token provider', () => {
  it('makes exactly one request for 1,000 concurrent getToken() calls on a cold provider', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const provider = createTokenProvider({ tokenUrl: `${url}/oauth/token`, apiKey: key })
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(exchangeCount((await gw.app.inject({ url: '/metrics' })).body)).toBe(1)
  })

  it('finds the token endpoint by RFC 8414 discovery from the issuer', async () => {
    const { gw, url } = await gatewayAtItsIssuer()
    const { key, record } = await gw.createKey()
    const provider = createTokenProvider({ issuer: url, apiKey: key })
    expect(decodeJwt(await provider.getToken()).payload.client_id).toBe(record.keyId)
  })

  it('retries 503 twice, honouring Retry-After, then resolves', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const front = await flakyFront(url, 2)
    const provider = createTokenProvider({ tokenUrl: `${front.url}/oauth/token`, apiKey: key })
    const start = Date.now()
    expect(await provider.getToken()).toMatch(/^eyJ/)
    expect(front.requests()).toBe(3)
    expect(Date.now() - start).toBeGreaterThanOrEqual(1900)
  })

  it('rejects at once with invalid_client after one request, with no key in the message', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    await gw.db.pool.query('UPDATE api_keys SET revoked_at = now()')
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const front = await flakyFront(url, 0)
    const provider = createTokenProvider({ tokenUrl: `${front.url}/oauth/token`, apiKey: key })
    const error = await provider.getToken().catch((err: unknown) => err)
    expect(error).toBeInstanceOf(TokenRequestError)
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 })
    expect(String((error as Error).message)).not.toContain(key)
    expect(front.requests()).toBe(1)
  })

  it('honours an AbortSignal', async () => {
    const gw = await buildTestGateway()
    const { key } = await gw.createKey()
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const front = await flakyFront(url, 5)
    const provider = createTokenProvider({ tokenUrl: `${front.url}/oauth/token`, apiKey: key })
    const controller = new AbortController()
    const pending = provider.getToken({ signal: controller.signal })
    setTimeout(() => controller.abort(new Error('caller gave up')), 50)
    await expect(pending).rejects.toThrow('caller gave up')
  })
})

describe('@keygate/client fetch wrapper against a protected service', () => {
  it('sees no 401 over 20 s with a 5 s token TTL and refreshes about every 4 s (the clock moved, not waited for)', async () => {
    const d = await buildDownstream({ KEYGATE_TOKEN_TTL: '5' })
    const service = await d.service()
    const serviceUrl = await service.listen({ host: '127.0.0.1', port: 0 })
    const { key } = await d.gw.createKey({ scopes: ['orders:read'] })
    const api = createAuthenticatedFetch(createTokenProvider({ tokenUrl: `${d.gatewayUrl}/oauth/token`, apiKey: key }))
    // Gateway, verifier and provider share this process's Date: 20 s of it pass in 200 ms steps.
    vi.useFakeTimers({ toFake: ['Date'] })
    onTestFinished(() => { vi.useRealTimers() })
    const statuses = new Map<number, number>()
    for (let step = 0; step < 100; step++) {
      const res = await api(`${serviceUrl}/orders`)
      await res.body?.cancel()
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      vi.setSystemTime(Date.now() + 200)
    }
    expect([...statuses.keys()]).toEqual([200])
    const exchanges = exchangeCount((await d.gw.app.inject({ url: '/metrics' })).body)
    expect(exchanges).toBeGreaterThanOrEqual(5)
    expect(exchanges).toBeLessThanOrEqual(7)
  })

  it('gets a fresh token after its token is revoked, and a clear error once its key is revoked', async () => {
    const d = await buildDownstream()
    const service = await d.service()
    const serviceUrl = await service.listen({ host: '127.0.0.1', port: 0 })
    const { authorization } = await adminHeaders(d.gw)
    const { key, record } = await d.gw.createKey({ scopes: ['orders:read'] })
    const provider = createTokenProvider({ tokenUrl: `${d.gatewayUrl}/oauth/token`, apiKey: key })
    const api = createAuthenticatedFetch(provider)
    expect((await api(`${serviceUrl}/orders`)).status).toBe(200)

    const first = await provider.getToken()
    await d.gw.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { authorization }, payload: { token: first } })
    await until(async () => (await service.inject({ url: '/orders', headers: bearer(first) })).statusCode === 401, 5_000)
    expect((await api(`${serviceUrl}/orders`)).status).toBe(200)
    expect(await provider.getToken()).not.toBe(first)

    await d.gw.app.inject({ method: 'POST', url: `/admin/keys/${record.keyId}/revoke?wait=true`, headers: { authorization } })
    const error = await api(`${serviceUrl}/orders`).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(TokenRequestError)
    expect(error).toMatchObject({ error: 'invalid_client' })
  })

  it('sends the key to no other URL: a redirecting token endpoint is an error, and the redirect target sees nothing', async () => {
    const { key } = await (await buildTestGateway()).createKey()
    const elsewhere = await recordingServer(() => ({ status: 200, body: '{"access_token":"stolen","expires_in":300}' }))
    for (const status of [301, 302, 307, 308]) {
      const redirecting = await recordingServer(() => ({ status, headers: { location: `${elsewhere.url}/oauth/token` }, body: '' }))
      const provider = createTokenProvider({ tokenUrl: `${redirecting.url}/oauth/token`, apiKey: key, retries: 0 })
      const err = await provider.getToken().catch((e: unknown) => e)
      expect(err, String(status)).toBeInstanceOf(TokenRequestError)
      expect((err as TokenRequestError).error).toBe('redirect_refused')
      expect(redirecting.bodies).toHaveLength(1)
    }
    expect(elsewhere.bodies).toEqual([])
  })

  it('refuses discovery metadata that names another issuer, or a token endpoint on another origin (RFC 8414 §3.3)', async () => {
    const { key } = await (await buildTestGateway()).createKey()
    const thief = await recordingServer(() => ({ status: 200, body: '{"access_token":"stolen","expires_in":300}' }))
    const cases: Array<(self: string) => Record<string, string>> = [
      (self) => ({ issuer: 'https://keygate.example', token_endpoint: `${self}/oauth/token` }),
      (self) => ({ issuer: self, token_endpoint: `${thief.url}/oauth/token` })
    ]
    for (const metadata of cases) {
      const issuer = await recordingServer((url, self) => url.endsWith('/.well-known/oauth-authorization-server')
        ? { status: 200, body: JSON.stringify(metadata(self)) }
        : { status: 200, body: '{"access_token":"x","expires_in":300}' })
      const err = await createTokenProvider({ issuer: issuer.url, apiKey: key, retries: 0 }).getToken().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TokenRequestError)
      expect((err as TokenRequestError).error).toBe('discovery_failed')
      expect(issuer.bodies.filter((b) => b.length > 0)).toEqual([])
    }
    expect(thief.bodies).toEqual([])
  })
})

// A server that answers every request with `answer(url, its own origin)` and records the request bodies.
async function recordingServer (answer: (url: string, self: string) => { status: number, headers?: Record<string, string>, body: string }) {
  const bodies: string[] = []
  let self = ''
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString())
      const reply = answer(req.url ?? '/', self)
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
      res.end(reply.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  self = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return { url: self, bodies }
}
