// A gateway per test on this file's database, closed when the test ends; plus the helpers tests share.
import { createPrivateKey, randomBytes, sign as cryptoSign } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, onTestFailed, onTestFinished } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { type CreateKeyInput, type CreatedKey, type GatewayConfig, type SecretHasher, buildGateway, createTokenMinter, formatApiKey, loadConfig, loadSigningKey, parseApiKey } from '@keygate/gateway'
import { type TestDatabase, createTestDatabase } from './db.ts'
import { LogCapture } from './logs.ts'

export interface TestGateway {
  app: FastifyInstance
  config: Readonly<GatewayConfig>
  db: TestDatabase
  logs: LogCapture
  createKey (input?: Partial<CreateKeyInput>): Promise<CreatedKey>
  /** Exchanges a key with client_secret in a JSON body; returns the raw response. */
  exchange (key: string, extra?: Record<string, string>): Promise<LightMyRequestResponse>
}

let database: Promise<TestDatabase> | undefined
// One master key per file: every gateway of the file opens the signing keys the first one sealed.
const masterKey = randomBytes(32).toString('base64')

// Registered when a test file imports this module, so it runs when that file ends (a hook registered from
// inside a running test would never run).
afterAll(async () => {
  const created = database
  database = undefined
  await (await created)?.drop()
})

/** The master key this file's gateways seal signing keys with (base64), for gateways run as processes. */
export function fileMasterKey (): string {
  return masterKey
}

/** This file's database, created on first use and dropped after the file. */
export function fileDatabase (): Promise<TestDatabase> {
  database ??= createTestDatabase()
  return database
}

export interface TestGatewayOptions {
  env?: Record<string, string>
  hasher?: SecretHasher
}

export async function buildTestGateway (options: TestGatewayOptions = {}): Promise<TestGateway> {
  const db = await fileDatabase()
  const logs = new LogCapture()
  const dataDir = await mkdtemp(join(tmpdir(), 'keygate-test-'))
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    KEYGATE_MASTER_KEY: masterKey,
    KEYGATE_ISSUER: 'http://keygate.test',
    LOG_LEVEL: 'info',
    // Tests send many requests from one address; the limits have tests of their own.
    KEYGATE_TOKEN_RATE_LIMIT_IP: '1000000',
    KEYGATE_AUTH_FAILURE_LIMIT_KEY: '1000000',
    ...options.env
  })
  const app = await buildGateway(config, { logStream: logs, ...(options.hasher ? { hasher: options.hasher } : {}) })
  onTestFinished(() => app.close())
  // A failing test shows what the gateway logged as an error.
  onTestFailed(() => {
    for (const line of logs.lines) if (/"level":[56]0/.test(line)) process.stderr.write(`gateway log: ${line}\n`)
  })
  return {
    app,
    config,
    db,
    logs,
    createKey: (input = {}) => app.keys.createKey({ name: 'test key', owner: 'team-a', scopes: ['orders:read', 'orders:write'], ...input }),
    exchange: (key, extra = {}) => app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_secret: key, ...extra }
    })
  }
}

/** Wraps a real hasher and counts its calls. */
export function countingHasher (inner: SecretHasher): SecretHasher & { calls: { hash: number, verify: number } } {
  const calls = { hash: 0, verify: 0 }
  return {
    calls,
    hash: (secret) => { calls.hash++; return inner.hash(secret) },
    verify: (phc, secret) => { calls.verify++; return inner.verify(phc, secret) },
    needsRehash: (phc) => inner.needsRehash(phc)
  }
}

/** Payload and header of a JWT, decoded without verification (assertions only). */
export function decodeJwt (token: string): { header: Record<string, unknown>, payload: Record<string, unknown> } {
  const [h, p] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>
  }
}

/** The same key with one secret character changed and the checksum recomputed: passes the format check, fails Argon2. */
export function withWrongSecret (key: string): string {
  const parsed = parseApiKey(key)
  if (!parsed) throw new Error('not a key')
  const last = parsed.secret.slice(-1) === 'A' ? 'B' : 'A'
  return formatApiKey({ ...parsed, secret: parsed.secret.slice(0, -1) + last })
}

/** The same key with one secret character changed and the old checksum kept: fails the checksum. */
export function withBadChecksum (key: string): string {
  const i = key.length - 7
  return key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1)
}

/** A fresh admin key and a token for it: `Authorization` headers for the admin API. */
export async function adminHeaders (gw: TestGateway, scopes = ['keygate:admin']): Promise<{ authorization: string, keyId: string }> {
  const { key, record } = await gw.createKey({ owner: 'ops', name: 'admin', scopes })
  const res = await gw.exchange(key)
  if (res.statusCode !== 200) throw new Error(`admin exchange failed: ${res.body}`)
  return { authorization: `Bearer ${res.json<{ access_token: string }>().access_token}`, keyId: record.keyId }
}

/** A token signed with the gateway's real signing key, at any time and with any lifetime: for expiry tests. */
export async function mintWithGatewayKey (gw: TestGateway, options: { clientId: string, scope: string, nowMs: number, ttlSeconds?: number, keyGeneration?: number }): Promise<string> {
  const key = await loadSigningKey(gw.db.pool, Buffer.from(masterKey, 'base64'))
  const minter = createTokenMinter({ issuer: gw.config.issuer, ttlSeconds: options.ttlSeconds ?? 300, key })
  return minter.mint({ sub: 'ops', clientId: options.clientId, scope: options.scope, aud: 'keygate', keyGeneration: options.keyGeneration ?? 1 }, options.nowMs).token
}

/** Signs any header and claims with the gateway's real private key: for tests of what verifiers refuse. */
export async function gatewaySigner (gw: TestGateway): Promise<{ kid: string, sign (claims: Record<string, unknown>, header?: Record<string, unknown>): string }> {
  const key = await loadSigningKey(gw.db.pool, Buffer.from(masterKey, 'base64'))
  const privateKey = createPrivateKey(key.privatePem)
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  return {
    kid: key.kid,
    sign (claims, header = {}) {
      const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid, ...header })}.${b64(claims)}`
      return `${input}.${cryptoSign(null, Buffer.from(input), privateKey).toString('base64url')}`
    }
  }
}
