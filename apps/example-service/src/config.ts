// The example service's configuration: the only reader of process.env; a bad value stops start-up naming it.
import { type RedisTopology, redisPrefixFor, redisTopologyFromEnv } from '@keygate/verifier'

export interface ExampleServiceConfig {
  host: string
  port: number
  issuer: string
  jwksUrl: string
  audience: string
  /** REDIS_URL, KEYGATE_REDIS_SENTINELS (+ _NAME) or KEYGATE_REDIS_CLUSTER_NODES, as the gateway reads them. */
  redis: RedisTopology | undefined
  redisPrefix: string
  failOpen: boolean
}

export class ConfigError extends Error {}

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Readonly<ExampleServiceConfig> {
  const port = Number(env.PORT ?? 4000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be a port number')
  const issuer = (env.KEYGATE_ISSUER ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')
  if (!/^https?:\/\//.test(issuer)) throw new ConfigError('KEYGATE_ISSUER must be an http(s) URL')
  let redis: RedisTopology | undefined
  try {
    redis = redisTopologyFromEnv(env)
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  return Object.freeze({
    host: env.HOST ?? '127.0.0.1',
    port,
    issuer,
    jwksUrl: env.KEYGATE_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
    audience: env.KEYGATE_AUDIENCE ?? 'keygate',
    redis,
    redisPrefix: redisPrefixFor(redis, env.KEYGATE_REDIS_PREFIX),
    failOpen: env.KEYGATE_FAIL_OPEN === 'true'
  })
}
