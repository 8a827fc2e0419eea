// keygate on real Redis HA deployments started on free ports: a Sentinel set and a Cluster. The gateway and
// two verifiers are configured through the documented variables; revocations reach both verifiers, limits
// hold, and a failover loses nothing.
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import Fastify from 'fastify'
import keygateVerifier, { redisTopologyFromEnv } from '@keygate/verifier'
import { adminHeaders, buildTestGateway, type TestGateway } from '../support/gateway.ts'
import { type RedisClusterSet, type SentinelSet, startRedisCluster, startSentinelSet } from '../support/redis-topologies.ts'
import { until } from '../support/until.ts'

async function verifiers (gw: TestGateway, env: Record<string, string>, count: number) {
  const topology = redisTopologyFromEnv(env)
  if (!topology) throw new Error('no topology')
  const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const app = Fastify()
    await app.register(keygateVerifier, { issuer: gw.config.issuer, jwksUrl: `${url}/.well-known/jwks.json`, audience: 'keygate', redis: topology, instanceId: `topology-${i}` })
    app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async () => ({}))
    onTestFinished(() => app.close())
    return (token: string) => app.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode)
  }))
}

async function revokeMany (gw: TestGateway, count: number, between?: (i: number, revoked: string[]) => Promise<void>) {
  const { authorization } = await adminHeaders(gw)
  const tokens: string[] = []
  for (let i = 0; i < count; i++) {
    const { key, record } = await gw.createKey()
    tokens.push((await gw.exchange(key)).json<{ access_token: string }>().access_token)
    await between?.(i, tokens.slice(0, i))
    const res = await gw.app.inject({ method: 'POST', url: `/admin/keys/${record.keyId}/revoke`, headers: { authorization } })
    expect(res.statusCode, res.body).toBe(200)
  }
  return tokens
}

async function allRefused (checks: Array<(token: string) => Promise<number>>, tokens: string[]): Promise<boolean> {
  const statuses = await Promise.all(checks.flatMap((check) => tokens.map((t) => check(t))))
  return statuses.every((s) => s === 401)
}

describe('Redis Sentinel', () => {
  let set: SentinelSet | undefined
  afterEach(async () => { await set?.stop(); set = undefined })

  it('carries 50 revocations to both verifiers through a primary killed after the 20th, and the old primary back with older data loses nothing', async () => {
    set = await startSentinelSet()
    const env = { KEYGATE_REDIS_SENTINELS: set.sentinels, KEYGATE_REDIS_SENTINEL_NAME: set.name, KEYGATE_TOKEN_RATE_LIMIT_IP: '100000' }
    const gw = await buildTestGateway({ env })
    await until(async () => gw.app.revocationFanout?.relay.state === 'publishing', 10_000)
    const checks = await verifiers(gw, env, 2)
    const current = set
    const tokens = await revokeMany(gw, 50, async (i, revoked) => {
      if (i !== 20) return
      await current.killPrimary()
      // The 20 revoked before the kill, within 5 s of the promotion.
      await until(() => allRefused(checks, revoked), 5_000, 50)
    })
    await until(() => allRefused(checks, tokens), 5_000, 50)
    // The old primary comes back from its own append-only file, holding only the first 20, and is made a replica.
    await set.restartOldPrimary()
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(await allRefused(checks, tokens)).toBe(true)
    const { key } = await gw.createKey()
    await until(async () => (await gw.exchange(key)).statusCode === 200, 10_000, 100)
    expect(gw.app.limits.degraded).toBe(false)
  }, 120_000)
})

describe('Redis Cluster', () => {
  let cluster: RedisClusterSet | undefined
  afterEach(async () => { await cluster?.stop(); cluster = undefined })

  it('keeps the stream in one slot, carries revocations to both verifiers, counts limits across slots, and survives its master being killed', async () => {
    cluster = await startRedisCluster()
    const env = { KEYGATE_REDIS_CLUSTER_NODES: cluster.nodes, KEYGATE_TOKEN_RATE_LIMIT_IP: '100000' }
    const gw = await buildTestGateway({ env })
    const limited = await buildTestGateway({ env: { ...env, KEYGATE_TOKEN_RATE_LIMIT_IP: '3' } })
    expect(gw.config.redisPrefix).toBe('{keygate}:')
    await until(async () => gw.app.revocationFanout?.relay.state === 'publishing', 10_000)
    const checks = await verifiers(gw, env, 2)

    // Limits per address, each address's counter in its own slot, counted together by two replicas. Each
    // request is followed by the sync that runs every 100 ms: a replica learns the shared total when it sends
    // its own counts, so limited admits one request on what it knew (the bounded excess of one interval) and
    // refuses the next, which counted alone it would have admitted.
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      const { key } = await limited.createKey()
      const statuses: number[] = []
      for (const replica of [limited, gw, gw, limited, limited]) {
        statuses.push((await replica.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: address, payload: { grant_type: 'client_credentials', client_secret: key } })).statusCode)
        await replica.app.limits.requests.sync()
      }
      expect(statuses, address).toEqual([200, 200, 200, 200, 429])
    }
    expect(limited.app.limits.degraded).toBe(false)

    const before = await revokeMany(gw, 10)
    await until(() => allRefused(checks, before), 10_000, 100)
    await cluster.killMasterOf('{keygate}:revocations')
    const after = await revokeMany(gw, 10)
    await until(() => allRefused(checks, [...before, ...after]), 20_000, 100)
  }, 120_000)
})
