// pnpm bench: every figure against a baseline measured in this run, written to results/latest.json.
import { cpus } from 'node:os'
import { formatApiKey, parseApiKey } from '@keygate/gateway'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { ISSUER, MASTER_KEY, REDIS_URL, createBenchDatabase, createKeys, removeRedisPrefixes } from './lib/infra.ts'
import { type Server, startFleet, startGateway, startHello, startPeer, startService } from './lib/processes.ts'
import { startTokenSource } from './lib/token-source.ts'
import { NEW_TOKEN_REQUESTS, cachedTokenVsPeers, newTokenVsPeers, warmExchangeVsOidcProvider } from './scenarios/peers.ts'
import { type Row, report } from './lib/report.ts'
import { assertionBodies, exchangeCold, exchangeKeypair, exchangeWarm } from './scenarios/exchange.ts'
import { malformedFlood, wrongSecretFlood } from './scenarios/floods.ts'
import { revocationMemory, seedRevocations, verifierRssOverRequests } from './scenarios/memory.ts'
import { fanOut, revocationPropagation } from './scenarios/propagation.ts'
import { verifierCold, verifierWarm } from './scenarios/verifier.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { SIGNING_ALGORITHMS, revocationKeys } from '@keygate/protocol'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000_000)
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 200)
const SIGNING_KEY_REVOCATIONS = 50
// Verifier fleets the fan-out figures are measured for, and revocations per fleet.
const FAN_OUT = [1, 20, 100]
const FAN_OUT_REVOCATIONS = Number(process.env.BENCH_FAN_OUT_REVOCATIONS ?? 50)
const only = process.env.BENCH_ONLY?.split(',')
// `8` picks 8a, 8b and 8c; `8c` only that part.
const wants = (n: string): boolean => only === undefined || only.some((picked) => n === picked || n.startsWith(picked))

const servers: Server[] = []
// Redis prefixes this run wrote under: removed when it ends.
const prefixes: string[] = []
// A scenario's own servers stop when it ends: an idle process is cheap, a gateway still draining a
// flood's Argon2 queue is not, and the next scenario would measure it.
async function stopServers (done: Server[]): Promise<void> {
  await Promise.all(done.map((s) => s.stop()))
  for (const s of done) servers.splice(servers.indexOf(s), 1)
}
const rows: Row[] = []
const db = await createBenchDatabase()

// Passes the format check (the checksum is recomputed), fails Argon2.
function wrongSecretOf (key: string): string {
  const parts = parseApiKey(key)
  if (!parts) throw new Error('not a key')
  return formatApiKey({ ...parts, secret: `${parts.secret.slice(0, -1)}${parts.secret.endsWith('A') ? 'B' : 'A'}` })
}

function kidOf (token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid
}

async function tokenFor (gatewayUrl: string, key: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })
  if (!res.ok) throw new Error(`exchange failed: ${res.status} ${await res.text()}`)
  return (await res.json() as { access_token: string }).access_token
}

try {
  const prefix = `kgbench:${randomBytes(4).toString('hex')}:`
  prefixes.push(prefix)
  const base = { DATABASE_URL: db.url, REDIS_URL, KEYGATE_REDIS_PREFIX: prefix, KEYGATE_MASTER_KEY: MASTER_KEY, KEYGATE_ISSUER: ISSUER }
  const callers = await createKeys(db.url, [
    { owner: 'ops', scopes: ['keygate:admin'] },
    { owner: 'bench', scopes: ['orders:read'] },
    { owner: 'victim', scopes: ['orders:read'] },
    { owner: 'legit', scopes: ['orders:read'] }
  ])
  const [admin, caller, victim, legit] = callers as [typeof callers[number], typeof callers[number], typeof callers[number], typeof callers[number]]
  const gateway = await startGateway({ ...base, KEYGATE_TOKEN_RATE_LIMIT_IP: '10000000', KEYGATE_AUTH_FAILURE_LIMIT_KEY: '10000000', KEYGATE_ADMIN_RATE_LIMIT: '100000' })
  servers.push(gateway)
  const serviceEnv = { KEYGATE_ISSUER: ISSUER, KEYGATE_JWKS_URL: `${gateway.url}/.well-known/jwks.json`, REDIS_URL, KEYGATE_REDIS_PREFIX: prefix }
  const tokens = await Promise.all(Array.from({ length: 100 }, () => tokenFor(gateway.url, caller.key)))

  if (wants('1') || wants('7')) {
    const service = await startService(serviceEnv)
    servers.push(service)
    if (wants('1')) rows.push(await verifierWarm(service.url, tokens, SECONDS))
    if (wants('7')) rows.push(await verifierRssOverRequests(service, tokens, REQUESTS))
    await stopServers([service])
  }
  if (wants('2')) for (const alg of SIGNING_ALGORITHMS) rows.push(...await verifierCold(alg === 'RS256' ? 5_000 : 20_000, alg))
  if (wants('3') || wants('4')) {
    const cold = await startGateway({ ...base, KEYGATE_EXCHANGE_CACHE_SECONDS: '0', KEYGATE_TOKEN_RATE_LIMIT_IP: '10000000', KEYGATE_AUTH_FAILURE_LIMIT_KEY: '10000000' })
    servers.push(cold)
    const coldKeys = (await createKeys(db.url, Array.from({ length: 4 }, () => ({ owner: 'cold', scopes: ['orders:read'] })))).map((k) => k.key)
    const { row: coldRow, rps } = await exchangeCold(cold.url, coldKeys, 2, SECONDS)
    rows.push(coldRow)
    for (const key of coldKeys) await tokenFor(gateway.url, key)
    const warm = wants('4') ? await exchangeWarm(gateway.url, coldKeys, rps, SECONDS) : undefined
    if (warm) rows.push(warm)
    const pair = generateKeyPairSync('ed25519')
    const [keypair] = await createKeys(db.url, [{ owner: 'keypair', scopes: ['orders:read'], publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string }])
    const bodies = assertionBodies(pair.privateKey, keypair?.record.keyId ?? '', ISSUER, Math.max(2000, Math.round(rps * 40 * SECONDS)))
    rows.push(...await exchangeKeypair(gateway.url, bodies, { cold: rps, warm: warm?.value }, SECONDS))
    await stopServers([cold])
  }
  if (wants('5')) {
    // Default limits, as deployed.
    rows.push(...await malformedFlood({
      start: async () => {
        const started = { gateway: await startGateway(base), hello: await startHello() }
        servers.push(...Object.values(started))
        return started
      },
      stop: stopServers
    }, SECONDS))
    const defended = await startGateway(base)
    servers.push(defended)
    rows.push(...await wrongSecretFlood(defended.url, wrongSecretOf(victim.key), legit.key, SECONDS))
    await stopServers([defended])
  }
  if (wants('6')) {
    const services = [await startService(serviceEnv), await startService(serviceEnv)]
    servers.push(...services)
    const adminToken = await tokenFor(gateway.url, admin.key)
    const keys = await createKeys(db.url, Array.from({ length: REVOCATIONS }, () => ({ owner: 'revoked', scopes: ['orders:read'] })))
    // One at a time: 200 first exchanges at once would (rightly) be shed by the Argon2 queue.
    const victims: Array<{ keyId: string, token: string }> = []
    for (const k of keys) victims.push({ keyId: k.record.keyId, token: await tokenFor(gateway.url, k.key) })
    const common = { gatewayUrl: gateway.url, serviceUrls: services.map((s) => s.url) }
    rows.push(...await revocationPropagation({
      ...common,
      scenario: '6a key revocation',
      rounds: victims.length,
      victim: async (i) => ({ token: victims[i]?.token ?? '', revokePath: `/admin/keys/${victims[i]?.keyId ?? ''}/revoke`, adminToken })
    }))
    // Each revocation makes a fresh key sign: the next victim is a token of it, and so is the admin token.
    rows.push(...await revocationPropagation({
      ...common,
      scenario: '6b signing-key revocation',
      rounds: SIGNING_KEY_REVOCATIONS,
      victim: async () => {
        const token = await tokenFor(gateway.url, caller.key)
        return { token, revokePath: `/admin/signing-keys/${kidOf(token)}/revoke`, adminToken: await tokenFor(gateway.url, admin.key) }
      }
    }))
    await stopServers(services)
    // Fan-out: the same Redis, 1, 20 and 100 verifiers (one process each size); nothing else listening.
    const heartbeats = new Redis(REDIS_URL)
    try {
      for (const size of FAN_OUT) {
        const fleet = await startFleet(size, serviceEnv)
        servers.push(fleet)
        while (await heartbeats.zcount(revocationKeys(prefix).verifiers, Date.now() - 10_000, '+inf') !== size) await sleep(50)
        const doomed = await createKeys(db.url, Array.from({ length: FAN_OUT_REVOCATIONS }, () => ({ owner: 'fanned', scopes: ['orders:read'] })))
        rows.push(...await fanOut({ gatewayUrl: gateway.url, adminToken: await tokenFor(gateway.url, admin.key), verifiers: size, keyIds: doomed.map((k) => k.record.keyId) }))
        await stopServers([fleet])
      }
    } finally {
      heartbeats.disconnect()
    }
  }
  if (wants('8a') || wants('8b')) {
    const source = await startTokenSource()
    try {
      const env = { KEYGATE_ISSUER: source.issuer, REDIS_URL, KEYGATE_REDIS_PREFIX: prefix }
      const keygate = await startService({ ...env, KEYGATE_JWKS_URL: `${source.issuer}/.well-known/jwks.json` })
      const peers = {
        jose: await startPeer('peer-verifier', { ...env, PEER: 'jose' }),
        '@fastify/jwt + get-jwks': await startPeer('peer-verifier', { ...env, PEER: 'fastify-jwt' }),
        '@fastify/jwt + get-jwks, cached': await startPeer('peer-verifier', { ...env, PEER: 'fastify-jwt-cache' })
      }
      servers.push(keygate, ...Object.values(peers))
      const urls = Object.fromEntries(Object.entries(peers).map(([name, server]) => [name, server.url]))
      if (wants('8a')) rows.push(...await cachedTokenVsPeers({ keygate: keygate.url, peers: urls }, source.tokens(100), SECONDS))
      // 11 runs (6 of the peer, 5 of keygate), and autocannon's few requests past the amount.
      if (wants('8b')) rows.push(...await newTokenVsPeers({ keygate: keygate.url, peers: { jose: peers.jose.url } }, source.tokens(Math.ceil(NEW_TOKEN_REQUESTS * 11.2))))
      await stopServers([keygate, ...Object.values(peers)])
    } finally {
      await source.close()
    }
  }
  if (wants('8c')) {
    const oidc = await startPeer('oidc-provider', { OIDC_ISSUER: 'http://oidc.bench', OIDC_CLIENT_ID: 'bench', OIDC_CLIENT_SECRET: 'bench-secret-bench-secret-bench-secret' })
    servers.push(oidc)
    await tokenFor(gateway.url, caller.key)
    rows.push(await warmExchangeVsOidcProvider({
      keygate: { url: `${gateway.url}/oauth/token`, body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: caller.key }).toString() },
      oidcProvider: { url: `${oidc.url}/token`, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'bench', client_secret: 'bench-secret-bench-secret-bench-secret', scope: 'orders:read' }).toString() }
    }, SECONDS))
    await stopServers([oidc])
  }
  if (wants('7')) {
    const seeded = await seedRevocations(REDIS_URL, 100_000)
    const emptyPrefix = `kgbench:${randomBytes(4).toString('hex')}:`
    prefixes.push(seeded, emptyPrefix)
    const loaded = await startService({ ...serviceEnv, KEYGATE_REDIS_PREFIX: seeded })
    const empty = await startService({ ...serviceEnv, KEYGATE_REDIS_PREFIX: emptyPrefix })
    servers.push(loaded, empty)
    rows.push(await revocationMemory(loaded, empty, 100_000))
  }
  await report(rows, { at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, seconds: SECONDS })
} finally {
  await Promise.all(servers.map((s) => s.stop()))
  await db.drop()
  await removeRedisPrefixes(REDIS_URL, prefixes)
}
process.exitCode = rows.every((r) => r.pass) ? 0 : 1
