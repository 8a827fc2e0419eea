// keygate's tokens checked by the verifier stacks downstream teams run instead of @keygate/verifier, for
// each signing algorithm, as README's "Verifying keygate tokens without the plugin" shows them.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import Fastify from 'fastify'
import fastifyJwt from '@fastify/jwt'
import buildGetJwks from 'get-jwks'
import express from 'express'
import { expressjwt } from 'express-jwt'
import jwksRsa from 'jwks-rsa'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { type SigningAlgorithm, SIGNING_ALGORITHMS } from '@keygate/protocol'
import keygateVerifier from '@keygate/verifier'
import { gatewayAtItsIssuer } from '../support/downstream.ts'
import { adminHeaders, decodeJwt, type TestGateway } from '../support/gateway.ts'

async function signingWith (gw: TestGateway, alg: SigningAlgorithm): Promise<void> {
  const admin = await adminHeaders(gw)
  const res = await gw.app.inject({ method: 'POST', url: '/admin/signing-keys/rotate', headers: { authorization: admin.authorization }, payload: { activateInSeconds: 0, alg } })
  expect(res.statusCode, res.body).toBe(201)
  await gw.app.signer.refresh()
}

async function tokenOf (gw: TestGateway): Promise<string> {
  const { key } = await gw.createKey({ scopes: ['orders:read'] })
  return (await gw.exchange(key)).json<{ access_token: string }>().access_token
}

// The @fastify/jwt + get-jwks recipe of get-jwks' README: the key chosen by the token's kid and alg.
async function fastifyJwtService (issuer: string) {
  const getJwks = buildGetJwks({ issuersWhitelist: [issuer], providerDiscovery: false })
  const app = Fastify()
  await app.register(fastifyJwt, {
    decode: { complete: true },
    secret: (_request: unknown, token: unknown) => {
      const { header: { kid, alg }, payload: { iss } } = token as { header: { kid: string, alg: string }, payload: { iss: string } }
      return getJwks.getPublicKey({ kid, domain: iss, alg })
    },
    verify: { allowedIss: issuer, allowedAud: 'keygate' }
  })
  app.get('/orders', { onRequest: [async (request) => { await request.jwtVerify() }] }, async (request) => request.user)
  onTestFinished(() => app.close())
  return (token: string) => app.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode)
}

// express-jwt + jwks-rsa, as express-jwt's README shows it.
async function expressJwtService (issuer: string, alg: SigningAlgorithm) {
  const app = express()
  app.get('/orders', expressjwt({
    secret: jwksRsa.expressJwtSecret({ jwksUri: `${issuer}/.well-known/jwks.json`, cache: true }) as never,
    algorithms: [alg as 'RS256'],
    issuer,
    audience: 'keygate'
  }), (_request, response) => { response.json({ ok: true }) })
  app.use((err: { status?: number }, _request: express.Request, response: express.Response, _next: express.NextFunction) => { response.status(err.status ?? 500).end() })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return async (token: string) => (await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${token}` } })).status
}

async function keygateService (issuer: string) {
  const app = Fastify()
  await app.register(keygateVerifier, { issuer, audience: 'keygate' })
  app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async (request) => request.principal)
  onTestFinished(() => app.close())
  return (token: string) => app.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode)
}

describe('verifying keygate tokens without the plugin', () => {
  it.each(SIGNING_ALGORITHMS)('%s: jose and @keygate/verifier verify the token; a header claiming another algorithm is refused', async (alg) => {
    const { gw, url } = await gatewayAtItsIssuer({ KEYGATE_SIGNING_ALG: alg })
    await signingWith(gw, alg)
    const token = await tokenOf(gw)
    expect(decodeJwt(token).header).toMatchObject({ alg, typ: 'at+jwt' })

    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)), { issuer: url, audience: 'keygate', typ: 'at+jwt', algorithms: [alg] })
    expect(payload.scope).toBe('orders:read')
    const keygate = await keygateService(url)
    expect(await keygate(token)).toBe(200)

    const [, p, s] = token.split('.')
    for (const other of SIGNING_ALGORITHMS.filter((a) => a !== alg)) {
      const header = Buffer.from(JSON.stringify({ ...decodeJwt(token).header, alg: other })).toString('base64url')
      expect(await keygate(`${header}.${p}.${s}`), other).toBe(401)
    }
  })

  it.each(['ES256', 'RS256'] as const)('%s: @fastify/jwt with get-jwks, and express-jwt with jwks-rsa, verify the token and refuse a forged one', async (alg) => {
    const { gw, url } = await gatewayAtItsIssuer({ KEYGATE_SIGNING_ALG: alg })
    await signingWith(gw, alg)
    const token = await tokenOf(gw)
    const [h, p, s = ''] = token.split('.')
    const flipped = `${h}.${p}.${s.slice(0, 5)}${s[5] === 'A' ? 'B' : 'A'}${s.slice(6)}`

    const viaFastifyJwt = await fastifyJwtService(url)
    expect(await viaFastifyJwt(token)).toBe(200)
    expect(await viaFastifyJwt(flipped)).toBe(401)
    const viaExpressJwt = await expressJwtService(url, alg)
    expect(await viaExpressJwt(token)).toBe(200)
    expect(await viaExpressJwt(flipped)).toBe(401)
  })
})
