// 7. Memory: verifier RSS growth over 1,000,000 requests; the cost of 100,000 live revocations.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { encodeRevocation, revocationKeys } from '@keygate/protocol'
import { load } from '../lib/load.ts'
import { type Server, rss } from '../lib/processes.ts'
import { type Row, row } from '../lib/report.ts'

const MB = 1024 * 1024

export async function verifierRssOverRequests (service: Server, tokens: string[], requests: number): Promise<Row> {
  const perConnectionHeaders = tokens.map((t) => ({ authorization: `Bearer ${t}` }))
  await load({ url: `${service.url}/protected`, connections: 100, amount: 50_000, perConnectionHeaders })
  const warm = await rss(service.pid)
  const run = await load({ url: `${service.url}/protected`, connections: 100, amount: requests, perConnectionHeaders })
  const after = await rss(service.pid)
  if (run.non2xx > 0) throw new Error(`protected route answered ${JSON.stringify(run.statusCodes)}`)
  return row('7a verifier memory', `RSS growth MB over ${requests} req`, (after - warm) / MB, null, { op: '<=', bound: 30, of: 'value' }, { warmMB: warm / MB, afterMB: after / MB, requests: run.requests, rps: run.rps })
}

/** Fills a fresh prefix with `count` live revocations, as the relay would have published them. */
export async function seedRevocations (redisUrl: string, count: number): Promise<string> {
  const prefix = `kgbench:${randomBytes(4).toString('hex')}:`
  const keys = revocationKeys(prefix)
  const redis = new Redis(redisUrl)
  const epoch = 'bench'
  const now = Date.now()
  for (let start = 0; start < count; start += 5_000) {
    const batch = redis.pipeline()
    for (let seq = start + 1; seq <= Math.min(count, start + 5_000); seq++) {
      const message = { seq, epoch, kind: 'token' as const, subject: randomBytes(16).toString('base64url'), generation: 0, expiresAt: now + 3_600_000 }
      batch.zadd(keys.set, message.expiresAt, encodeRevocation(message))
    }
    await batch.exec()
  }
  await redis.multi().set(keys.seq, count).set(keys.epoch, epoch).exec()
  redis.disconnect()
  return prefix
}

interface Memory { rss: number, heapUsed: number, heapTotal: number }

/** A server's memory after a full collection (the bench starts verifier services with --expose-gc). */
async function collected (s: Server): Promise<Memory> {
  const memory = await (await fetch(`${s.url}/memory`)).json() as { heapUsed: number, heapTotal: number }
  return { rss: await rss(s.pid), heapUsed: memory.heapUsed, heapTotal: memory.heapTotal }
}

// V8 gives back the heap a burst of allocation grew (start-up, a full load) only once allocation has been
// low for a while: its memory reducer acts some 8 s after the last full collection, and each forced one
// (as /memory does) starts that wait again. Measured before, two alike processes differ by whichever has
// shrunk already: 18 to 45 MB were seen for the same 100,000 revocations. So: leave both alone, then look.
const QUIET_MS = 15_000
const ROUNDS = 4
const SHRUNK = 0.75

async function settled (servers: Server[], first: Memory[]): Promise<{ at: Memory[], settledMs: number, shrunk: boolean }> {
  const start = Date.now()
  let at = first
  const shrunk = (): boolean => at.every((m, i) => m.heapTotal <= SHRUNK * (first[i] as Memory).heapTotal)
  for (let round = 0; round < ROUNDS && !shrunk(); round++) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
    at = await Promise.all(servers.map(collected))
  }
  return { at, settledMs: Date.now() - start, shrunk: shrunk() }
}

/**
 * Two verifier processes alike but for 100,000 revocations in one's mirror: the difference in RSS once V8
 * has shrunk both heaps, the memory a running verifier keeps for them.
 */
export async function revocationMemory (loaded: Server, empty: Server, count: number): Promise<Row> {
  const status = await (await fetch(`${loaded.url}/healthz`)).json() as { revocations: { size: number } | null }
  if (status.revocations?.size !== count) throw new Error(`mirror holds ${status.revocations?.size}, not ${count}`)
  const atLoad = await Promise.all([loaded, empty].map(collected))
  const { at: [withRevocations, without], settledMs, shrunk } = await settled([loaded, empty], atLoad)
  if (!withRevocations || !without || !atLoad[0] || !atLoad[1]) throw new Error('no memory figures')
  return row('7b revocation memory', `MB for ${count} revocations`, (withRevocations.rss - without.rss) / MB, null, { op: '<=', bound: 30, of: 'value' }, {
    loadedRssMB: withRevocations.rss / MB,
    emptyRssMB: without.rss / MB,
    heapDifferenceMB: (withRevocations.heapUsed - without.heapUsed) / MB,
    rssDifferenceAtLoadMB: (atLoad[0].rss - atLoad[1].rss) / MB,
    settledMs,
    shrunk
  })
}
