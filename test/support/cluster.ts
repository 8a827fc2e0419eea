// Two gateway processes and two example-service processes on this file's database and a Redis prefix of
// their own: the deployment the revocation guarantees are about. Processes are killed after each test.
import { afterEach } from 'vitest'
import { formatApiKey, parseApiKey } from '@keygate/gateway'
import { buildTestGateway, fileDatabase, fileMasterKey } from './gateway.ts'
import type { RunningProcess } from './process.ts'
import { spawnGateway, spawnService } from './processes.ts'
import { redisPrefix, redisUrl } from './redis.ts'
import { until } from './until.ts'

const running: RunningProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})

export interface Cluster {
  gateways: [string, string]
  services: [string, string]
  prefix: string
  /** `Authorization` of an admin token minted by the first gateway. */
  admin: string
  /** `count` fresh keys sharing one Argon2 hash (one secret, many keyIds): cheap to make, each exchanged cold. */
  keys (count: number, policy: { scopes: string[], owner?: (i: number) => string }): Promise<Array<{ keyId: string, key: string, owner: string }>>
  exchange (gateway: string, key: string): Promise<{ status: number, token?: string }>
  /** The status a service answers `GET /orders` with this token. */
  orders (service: string, token: string): Promise<number>
}

export async function startCluster (env: Record<string, string> = {}): Promise<Cluster> {
  const db = await fileDatabase()
  const prefix = redisPrefix()
  const common = {
    DATABASE_URL: db.url,
    KEYGATE_MASTER_KEY: fileMasterKey(),
    REDIS_URL: redisUrl(),
    KEYGATE_REDIS_PREFIX: prefix,
    KEYGATE_TOKEN_RATE_LIMIT_IP: '1000000',
    KEYGATE_AUTH_FAILURE_LIMIT_KEY: '1000000',
    KEYGATE_ADMIN_RATE_LIMIT: '1000000',
    ...env
  }
  const [a, b] = await Promise.all([spawnGateway(common, running), spawnGateway(common, running)])
  const serviceEnv = { KEYGATE_ISSUER: 'http://keygate.test', KEYGATE_JWKS_URL: `${a.url}/.well-known/jwks.json`, REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix }
  const services = await Promise.all([spawnService(serviceEnv, running), spawnService(serviceEnv, running)])
  // Healthy means current and registered: both count as live from here on.
  await Promise.all(services.map((s) => until(async () => (await fetch(`${s.url}/healthz`)).status === 200, 10_000)))

  const local = await buildTestGateway()
  const template = await local.createKey({ owner: 'template', scopes: [] })
  const adminKey = await local.createKey({ owner: 'ops', scopes: ['keygate:admin'] })
  await local.app.close()

  async function exchange (gateway: string, key: string): Promise<{ status: number, token?: string }> {
    const res = await fetch(`${gateway}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })
    const body = await res.json() as { access_token?: string }
    return res.status === 200 && body.access_token ? { status: 200, token: body.access_token } : { status: res.status }
  }
  const admin = await exchange(a.url, adminKey.key)
  if (!admin.token) throw new Error(`admin exchange failed: ${admin.status}`)
  const parts = parseApiKey(template.key)
  if (!parts) throw new Error('template key does not parse')

  return {
    gateways: [a.url, b.url],
    services: [services[0]?.url ?? '', services[1]?.url ?? ''],
    prefix,
    admin: `Bearer ${admin.token}`,
    async keys (count, policy) {
      const keyIds = Array.from({ length: count }, (_, i) => `race${String(i).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`.replace(/[^0-9A-Za-z]/g, 'x'))
      const owners = keyIds.map((_, i) => policy.owner?.(i) ?? 'race')
      await db.pool.query(
        `INSERT INTO api_keys (key_id, prefix, environment, last4, secret_hash, owner, name, scopes)
         SELECT u.key_id, t.prefix, t.environment, t.last4, t.secret_hash, u.owner, 'race', $3
         FROM api_keys t, unnest($1::text[], $2::text[]) AS u(key_id, owner) WHERE t.key_id = $4`,
        [keyIds, owners, policy.scopes, template.record.keyId])
      return keyIds.map((keyId, i) => ({ keyId, key: formatApiKey({ ...parts, keyId }), owner: owners[i] as string }))
    },
    exchange,
    async orders (service, token) {
      return (await fetch(`${service}/orders`, { headers: { authorization: `Bearer ${token}` } })).status
    }
  }
}
