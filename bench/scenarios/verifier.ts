// 1. Verifier overhead, warm: protected vs unprotected route, 100 connections each with its own token.
// 2. Verifier cold path: a new token every time vs raw node:crypto verify of the same signature, same
//    process, for each signing algorithm: the CPU each costs (every thread's, since the verifier checks
//    signatures on libuv's pool), and the latency of one verification at a time.
import { type KeyObject, generateKeyPairSync, sign, verify } from 'node:crypto'
import type { SigningAlgorithm } from '@keygate/protocol'
import { createTokenVerifier } from '@keygate/verifier'
import { load } from '../lib/load.ts'
import { type Row, reference, row } from '../lib/report.ts'
import { alternate, roundSeconds, summary } from '../lib/rounds.ts'

export async function verifierWarm (serviceUrl: string, tokens: string[], seconds: number): Promise<Row> {
  const perConnectionHeaders = tokens.map((t) => ({ authorization: `Bearer ${t}` }))
  // The same requests, token included, to the same handler with and without the verifier: the difference
  // is the verifier's cost, not the bytes of the header.
  const options = { connections: 100, seconds: roundSeconds(seconds), perConnectionHeaders }
  await load({ ...options, url: `${serviceUrl}/protected`, seconds: 2 })
  const { median, rounds } = await alternate(() => load({ ...options, url: `${serviceUrl}/hello` }), async () => {
    const protectedRun = await load({ ...options, url: `${serviceUrl}/protected` })
    if (protectedRun.non2xx > 0) throw new Error(`protected route answered ${JSON.stringify(protectedRun.statusCodes)}`)
    return protectedRun
  })
  return row('1 verifier warm', 'req/s protected', median.subject.rps, median.baseline, { op: '>=', bound: 0.9, of: 'ratio' }, { rounds: summary(rounds) })
}

interface PerOp { cpu: number, wall: number }

/** µs per operation, `inFlight` at a time: CPU time of every thread of the process, and wall time. */
async function perOp (n: number, inFlight: number, fn: (i: number) => unknown): Promise<PerOp> {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i += inFlight) await Promise.all(Array.from({ length: Math.min(inFlight, n - i) }, (_, j) => fn(i + j)))
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / n, wall: Number(process.hrtime.bigint() - start) / 1000 / n }
}

// New tokens in flight at once, as requests of a service under load are: the CPU figure's case.
const IN_FLIGHT = 16

// Each algorithm's key pair, digest and JWS signature encoding (ES256 is r || s, not DER).
const ALGORITHMS: Record<SigningAlgorithm, { pair: () => { privateKey: KeyObject, publicKey: KeyObject }, digest: string | null, dsaEncoding?: 'ieee-p1363' }> = {
  EdDSA: { pair: () => generateKeyPairSync('ed25519'), digest: null },
  ES256: { pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  RS256: { pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), digest: 'sha256' }
}

export async function verifierCold (n: number, alg: SigningAlgorithm): Promise<Row[]> {
  const { pair, digest, dsaEncoding } = ALGORITHMS[alg]
  const { privateKey, publicKey } = pair()
  const signingKey = dsaEncoding ? { key: privateKey, dsaEncoding } : privateKey
  const verifyingKey = dsaEncoding ? { key: publicKey, dsaEncoding } : publicKey
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  const now = Math.floor(Date.now() / 1000)
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const tokens = Array.from({ length: n }, (_, i) => {
    const input = `${b64({ alg, typ: 'at+jwt', kid: 'k1' })}.${b64({ iss: 'https://kg', sub: 'team', aud: 'api', client_id: 'abcDEF123456', scope: 'orders:read orders:write', jti: `jti-${i}`, iat: now, exp: now + 300 })}`
    return `${input}.${sign(digest, Buffer.from(input), signingKey).toString('base64url')}`
  })
  const split = tokens.map((t) => { const dot = t.lastIndexOf('.'); return { data: Buffer.from(t.slice(0, dot)), signature: Buffer.from(t.slice(dot + 1), 'base64url') } })
  const key = { pem, alg }
  const rounds: Array<{ raw: PerOp, loaded: PerOp, alone: PerOp }> = []
  const verifierOf = () => createTokenVerifier({ issuer: 'https://kg', audience: 'api', keyFor: async () => key, clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 3600, cacheSize: 10_000 })
  for (let round = 0; round < 3; round++) {
    const raw = await perOp(n, 1, (i) => { const s = split[i]; if (s && !verify(digest, s.data, verifyingKey, s.signature)) throw new Error('bad signature') })
    // A fresh verifier for each run: every token is new to it (the cold path).
    const runs = { loaded: verifierOf(), alone: verifierOf() }
    const loaded = await perOp(n, IN_FLIGHT, (i) => runs.loaded(tokens[i] ?? ''))
    const alone = await perOp(n, 1, (i) => runs.alone(tokens[i] ?? ''))
    if (runs.loaded.signatureChecks !== n || runs.alone.signatureChecks !== n) throw new Error('a cold token was served from cache')
    rounds.push({ raw, loaded, alone })
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const of = (side: 'raw' | 'loaded' | 'alone', measure: keyof PerOp): number => median(rounds.map((r) => r[side][measure]))
  const raw = { rounds, tokens: n, inFlight: IN_FLIGHT }
  // One check at a time pays the hand-off to the thread pool and back (a thread woken per check) in
  // latency: reported beside the raw check's, the price of a free event loop under load (8b).
  const latency = reference(`2 verifier cold ${alg}, one at a time`, 'µs wall per verification', of('alone', 'wall'), of('raw', 'wall'), raw)
  // RSA verification is so cheap (about 20 µs) that the claim checks every algorithm shares outweigh
  // it: the ratio target is for the elliptic-curve algorithms; RS256 is reported beside them.
  const cost = alg === 'RS256'
    ? reference(`2 verifier cold ${alg}`, 'µs CPU per verification', of('loaded', 'cpu'), of('raw', 'cpu'), raw)
    : row(`2 verifier cold ${alg}`, 'µs CPU per verification', of('loaded', 'cpu'), of('raw', 'cpu'), { op: '<=', bound: 1.3, of: 'ratio' }, raw)
  return [cost, latency]
}
