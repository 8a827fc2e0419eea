// 3. Exchange, cold (Argon2 every time) vs raw argon2.verify at the same parameters and parallelism.
// 4. Exchange, warm (the same key within the cache window) vs the cold rate.
import argon2 from 'argon2'
import { load, type LoadResult } from '../lib/load.ts'
import { type Row, row } from '../lib/report.ts'

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
