// Redis as keygate's gateway, verifiers and example service all reach it: one standalone server
// (REDIS_URL), a Sentinel set (KEYGATE_REDIS_SENTINELS + KEYGATE_REDIS_SENTINEL_NAME) or a Cluster
// (KEYGATE_REDIS_CLUSTER_NODES); at most one of the three. In a Cluster every key of the revocation stream
// must share one hash slot: the default prefix there is the hash tag `{keygate}:`.
import { Cluster, Redis } from 'ioredis'

export type RedisTopology =
  | { kind: 'standalone', url: string }
  | { kind: 'sentinel', sentinels: Array<{ host: string, port: number }>, name: string, password?: string | undefined, sentinelPassword?: string | undefined }
  | { kind: 'cluster', nodes: Array<{ host: string, port: number }>, password?: string | undefined }

/** Either client: the relay, the limits and the mirror use only commands both have. */
export type RedisClient = Redis | Cluster

export class RedisConfigError extends Error {
  override name = 'RedisConfigError'
}

const DEFAULT_PREFIX = 'keygate:'
const CLUSTER_PREFIX = '{keygate}:'

function hostPorts (value: string, variable: string): Array<{ host: string, port: number }> {
  const list = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  if (list.length === 0) throw new RedisConfigError(`${variable} must list host:port pairs`)
  return list.map((entry) => {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry)
    const port = Number(match?.[2])
    if (!match || port < 1 || port > 65535) throw new RedisConfigError(`${variable} holds ${entry.slice(0, 80)}: expected host:port`)
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port }
  })
}

/**
 * The topology the environment names, or undefined when it names none; throws RedisConfigError naming the
 * variable when two are set or one is malformed.
 */
export function redisTopologyFromEnv (env: Record<string, string | undefined>): RedisTopology | undefined {
  const set = (name: string): string | undefined => env[name] === '' ? undefined : env[name]
  const url = set('REDIS_URL')
  const sentinels = set('KEYGATE_REDIS_SENTINELS')
  const nodes = set('KEYGATE_REDIS_CLUSTER_NODES')
  const given = [url && 'REDIS_URL', sentinels && 'KEYGATE_REDIS_SENTINELS', nodes && 'KEYGATE_REDIS_CLUSTER_NODES'].filter(Boolean)
  if (given.length > 1) throw new RedisConfigError(`${given.join(' and ')} are both set: give one Redis topology`)
  const password = set('KEYGATE_REDIS_PASSWORD')
  if (url !== undefined) {
    if (!/^rediss?:\/\/[^\s]+$/.test(url)) throw new RedisConfigError('REDIS_URL must be a redis:// or rediss:// URL (for Sentinel or Cluster, use KEYGATE_REDIS_SENTINELS or KEYGATE_REDIS_CLUSTER_NODES)')
    return { kind: 'standalone', url }
  }
  if (sentinels !== undefined) {
    const name = set('KEYGATE_REDIS_SENTINEL_NAME')
    if (name === undefined || !/^[\w.-]{1,64}$/.test(name)) throw new RedisConfigError('KEYGATE_REDIS_SENTINEL_NAME must name the monitored primary (with KEYGATE_REDIS_SENTINELS)')
    return { kind: 'sentinel', sentinels: hostPorts(sentinels, 'KEYGATE_REDIS_SENTINELS'), name, password, sentinelPassword: set('KEYGATE_REDIS_SENTINEL_PASSWORD') }
  }
  if (nodes !== undefined) return { kind: 'cluster', nodes: hostPorts(nodes, 'KEYGATE_REDIS_CLUSTER_NODES'), password }
  return undefined
}

/** The prefix of every key and channel: as configured, else `{keygate}:` in a Cluster and `keygate:` elsewhere. */
export function redisPrefixFor (topology: RedisTopology | undefined, configured: string | undefined): string {
  if (configured !== undefined && configured !== '') return configured
  return topology?.kind === 'cluster' ? CLUSTER_PREFIX : DEFAULT_PREFIX
}

/** How a client behaves during an outage: fail fast, retry the connection, queue nothing (or the minimum). */
export interface RedisTuning {
  commandTimeout: number
  maxRetriesPerRequest: number
  enableOfflineQueue: boolean
  connectTimeout?: number
  retryStrategy: (attempt: number) => number
}

/** A client for the topology, with `tuning` applied to every connection it opens. */
export function createRedisClient (topology: RedisTopology, tuning: RedisTuning): RedisClient {
  if (topology.kind === 'standalone') return new Redis(topology.url, tuning)
  if (topology.kind === 'sentinel') {
    return new Redis({
      ...tuning,
      sentinels: topology.sentinels,
      name: topology.name,
      ...(topology.password ? { password: topology.password } : {}),
      ...(topology.sentinelPassword ? { sentinelPassword: topology.sentinelPassword } : {})
    })
  }
  return new Cluster(topology.nodes, {
    enableOfflineQueue: tuning.enableOfflineQueue,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    redisOptions: { ...tuning, ...(topology.password ? { password: topology.password } : {}) }
  })
}
