// 1. Verifier overhead, warm: protected vs unprotected route, 100 connections each with its own token.
// 2. Verifier cold path: a new token every time vs raw node:crypto verify of the same signature, same
//    process, for each signing algorithm.
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

function timePerOp (n: number, fn: (i: number) => void): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn(i)
  return Number(process.hrtime.bigint() - start) / 1000 / n
}

// Each algorithm's key pair, digest and JWS signature encoding (ES256 is r || s, not DER).
const ALGORITHMS: Record<SigningAlgorithm, { pair: () => { privateKey: KeyObject, publicKey: KeyObject }, digest: string | null, dsaEncoding?: 'ieee-p1363' }> = {
  EdDSA: { pair: () => generateKeyPairSync('ed25519'), digest: null },
  ES256: { pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  RS256: { pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), digest: 'sha256' }
}

export async function verifierCold (n: number, alg: SigningAlgorithm): Promise<Row> {
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
  const rounds: Array<{ raw: number, verifier: number }> = []
  for (let round = 0; round < 3; round++) {
    // A fresh verifier each round: every token is new to it (the cold path).
    const verifyToken = createTokenVerifier({ issuer: 'https://kg', audience: 'api', keyFor: async () => key, clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 3600, cacheSize: 10_000 })
    const raw = timePerOp(n, (i) => { const s = split[i]; if (s && !verify(digest, s.data, verifyingKey, s.signature)) throw new Error('bad signature') })
    const start = process.hrtime.bigint()
    for (const t of tokens) await verifyToken(t)
    const verifier = Number(process.hrtime.bigint() - start) / 1000 / n
    if (verifyToken.signatureChecks !== n) throw new Error('a cold token was served from cache')
    rounds.push({ raw, verifier })
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const raw = median(rounds.map((r) => r.raw))
  const verifier = median(rounds.map((r) => r.verifier))
  // RSA verification is so cheap (about 20 µs) that the claim checks every algorithm shares outweigh
  // it: the ratio target is for the elliptic-curve algorithms; RS256 is reported beside them.
  if (alg === 'RS256') return reference(`2 verifier cold ${alg}`, 'µs per verification', verifier, raw, { rounds, tokens: n })
  return row(`2 verifier cold ${alg}`, 'µs per verification', verifier, raw, { op: '<=', bound: 1.3, of: 'ratio' }, { rounds, tokens: n })
}
