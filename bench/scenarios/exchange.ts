// 3. Exchange, cold (Argon2 every time) vs raw argon2.verify at the same parameters and parallelism.
// 4. Exchange, warm (the same key within the cache window) vs the cold rate.
// 3k. Exchange by a keypair key (a signed assertion, no Argon2) vs both, beside raw Ed25519 verify + sign.
import { type KeyObject, generateKeyPairSync, sign, verify } from 'node:crypto'
import argon2 from 'argon2'
import { load, type LoadResult } from '../lib/load.ts'
import { type Row, reference, row } from '../lib/report.ts'

const PARAMS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }

export async function rawArgon2Rate (concurrency: number, seconds: number): Promise<number> {
  const hash = await argon2.hash('benchmark-secret-benchmark-secret-benchmark', PARAMS)
  const end = Date.now() + seconds * 1000
  let done = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      await argon2.verify(hash, 'benchmark-secret-benchmark-secret-benchmark')
      done++
    }
  }))
  return done / seconds
}

/** Token requests, each connection presenting its own key as HTTP Basic (as separate callers do). */
export function exchangeLoad (gatewayUrl: string, apiKeys: string[], connections: number, seconds: number): Promise<LoadResult> {
  return load({
    url: `${gatewayUrl}/oauth/token`,
    method: 'POST',
    connections,
    seconds,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    perConnectionHeaders: apiKeys.map((key) => ({ authorization: `Basic ${Buffer.from(`${key.split('_')[2] ?? ''}:${key}`).toString('base64')}` }))
  })
}

/** `apiKeys`: one per connection, so that no two requests share a verification. */
export async function exchangeCold (gatewayUrl: string, apiKeys: string[], concurrency: number, seconds: number): Promise<{ row: Row, rps: number }> {
  const rawBefore = await rawArgon2Rate(concurrency, seconds / 2)
  const cold = await exchangeLoad(gatewayUrl, apiKeys, apiKeys.length, seconds)
  const rawAfter = await rawArgon2Rate(concurrency, seconds / 2)
  if (cold.non2xx > 0) throw new Error(`cold exchange answered ${JSON.stringify(cold.statusCodes)}`)
  const baseline = (rawBefore + rawAfter) / 2
  return {
    row: row('3 exchange cold', 'exchanges/s', cold.rps, baseline, { op: '>=', bound: 0.85, of: 'ratio' }, { p50ms: cold.p50, p99ms: cold.p99, rawArgon2PerSecond: [rawBefore, rawAfter], concurrency, load: cold }),
    rps: cold.rps
  }
}

export async function exchangeWarm (gatewayUrl: string, apiKeys: string[], coldRps: number, seconds: number): Promise<Row> {
  const warm = await exchangeLoad(gatewayUrl, apiKeys, 20, seconds)
  if (warm.non2xx > 0) throw new Error(`warm exchange answered ${JSON.stringify(warm.statusCodes)}`)
  return row('4 exchange warm', 'exchanges/s', warm.rps, coldRps, { op: '>=', bound: 10, of: 'ratio' }, { p50ms: warm.p50, p99ms: warm.p99, load: warm })
}

/** Raw Ed25519 verify + sign per second, one core: the work a keypair exchange cannot avoid. */
function rawVerifyAndSignRate (seconds: number): number {
  const client = generateKeyPairSync('ed25519')
  const server = generateKeyPairSync('ed25519')
  const message = Buffer.from('x'.repeat(300))
  const signature = sign(null, message, client.privateKey)
  const end = Date.now() + seconds * 1000
  let done = 0
  while (Date.now() < end) {
    if (!verify(null, message, client.publicKey, signature)) throw new Error('bad signature')
    sign(null, message, server.privateKey)
    done++
  }
  return done / seconds
}

/** `count` single-use client assertions (RFC 7523) for the keypair key `keyId`, as token request bodies. */
export function assertionBodies (privateKey: KeyObject, keyId: string, audience: string, count: number): string[] {
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const header = b64({ alg: 'EdDSA', typ: 'client-authentication+jwt' })
  return Array.from({ length: count }, (_, i) => {
    const input = `${header}.${b64({ iss: keyId, sub: keyId, aud: audience, jti: `bench-${i}-${now}`, iat: now, exp: now + 240 })}`
    const assertion = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`
    return `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${assertion}`
  })
}

/**
 * Keypair keys exchanged without Argon2: one signature check, one jti write and one signature per
 * exchange. Judged against the secret key's cold rate and its warm rate, beside raw verify + sign.
 */
export async function exchangeKeypair (gatewayUrl: string, bodies: string[], rates: { cold: number, warm: number | undefined }, seconds: number): Promise<Row[]> {
  const result = await load({ url: `${gatewayUrl}/oauth/token`, method: 'POST', connections: 20, amount: bodies.length, headers: { 'content-type': 'application/x-www-form-urlencoded' }, bodies })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`keypair exchange answered ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`)
  const raw = rawVerifyAndSignRate(Math.min(seconds, 3))
  const rows = [
    row('3k exchange keypair', 'exchanges/s vs secret cold', result.rps, rates.cold, { op: '>=', bound: 20, of: 'ratio' }, { p50ms: result.p50, p99ms: result.p99, requests: result.requests }),
    reference('3k exchange keypair', 'exchanges/s vs raw verify+sign', result.rps, raw)
  ]
  if (rates.warm !== undefined) rows.splice(1, 0, row('3k exchange keypair', 'exchanges/s vs secret warm', result.rps, rates.warm, { op: '>=', bound: 0.5, of: 'ratio' }))
  return rows
}
