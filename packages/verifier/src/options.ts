// The plugin's options: validated and frozen at register time; a bad option throws naming it.
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, MAX_CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_TTL_SECONDS } from '@keygate/protocol'
import { type RedisClient, type RedisTopology, redisPrefixFor } from './redis.ts'
import type { Registry } from 'prom-client'
import { VerifierError } from './errors.ts'

export interface KeygateVerifierOptions {
  /** The gateway's issuer URL: the `iss` every token must carry. */
  issuer: string
  /** This service's audience: tokens must name it in `aud`. */
  audience: string | string[]
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string
  /**
   * Redis for revocations: a URL, or a topology (`{ kind: 'sentinel', sentinels, name }`, `{ kind: 'cluster',
   * nodes }`; `redisTopologyFromEnv(process.env)` reads the gateway's variables) — the plugin opens and
   * closes its connections — or an ioredis client or cluster (left open).
   */
  redis?: string | RedisTopology | RedisClient
  /** Prefix of the gateway's Redis keys. Default `keygate:`, `{keygate}:` for a cluster topology. */
  redisPrefix?: string
  /** Accepted clock skew, seconds. Default 30; at most 60 (revocations are kept no longer past a token's expiry). */
  clockToleranceSeconds?: number
  /** Tokens living longer than this (exp − iat) are refused. Default 3600. */
  maxTokenLifetimeSeconds?: number
  /** How long the revocation list may go without updates before requests fail closed. Default 30 000 ms. */
  maxRevocationStalenessMs?: number
  /** Serve without revocation checks once stale, instead of 503. Default false. */
  failOpen?: boolean
  /** Verified tokens kept to skip repeated signature checks. Default 10 000. */
  cacheSize?: number
  /** Least time between two JWKS fetches caused by unknown kids. Default 30 000 ms. */
  jwksCooldownMs?: number
  /** JWKS refresh interval. Default 300 000 ms. */
  jwksMaxAgeMs?: number
  /** JWKS fetch timeout. Default 5 000 ms. */
  jwksTimeoutMs?: number
  /** Where to register metrics. Default: prom-client's global registry. */
  metricsRegistry?: Registry
  /** Identifies this instance in propagation reports. Default: host name and pid. */
  instanceId?: string
}

export type ResolvedOptions = Readonly<Required<Omit<KeygateVerifierOptions, 'redis' | 'metricsRegistry'>>> & {
  /** A topology for the plugin to connect to, or a caller's client. */
  redis: RedisTopology | RedisClient | undefined
  metricsRegistry: Registry | undefined
}

function fail (option: string, problem: string): never {
  throw new VerifierError('KG_VERIFIER_ERR_OPTIONS', `option ${option} ${problem}`)
}

function positive (value: number | undefined, option: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0 || value > max) fail(option, `must be a number from 0 to ${max}`)
  return value
}

function url (value: string, option: string): string {
  try {
    const parsed = new URL(value)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail(option, 'must be an http(s) URL')
    return value.replace(/\/+$/, '')
  } catch (err) {
    if (err instanceof VerifierError) throw err
    return fail(option, 'must be a URL')
  }
}

export function resolveOptions (options: KeygateVerifierOptions, defaultInstanceId: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object')
  const issuer = url(options.issuer, 'issuer')
  const audiences = Array.isArray(options.audience) ? options.audience : [options.audience]
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a.length === 0)) fail('audience', 'must be a non-empty string or list of strings')
  return Object.freeze({
    issuer,
    audience: options.audience,
    jwksUrl: url(options.jwksUrl ?? `${issuer}/.well-known/jwks.json`, 'jwksUrl'),
    redis: typeof options.redis === 'string' ? { kind: 'standalone' as const, url: options.redis } : options.redis,
    redisPrefix: redisPrefixFor(typeof options.redis === 'object' && 'kind' in options.redis ? options.redis : undefined, options.redisPrefix),
    clockToleranceSeconds: positive(options.clockToleranceSeconds, 'clockToleranceSeconds', DEFAULT_CLOCK_TOLERANCE_SECONDS, MAX_CLOCK_TOLERANCE_SECONDS),
    maxTokenLifetimeSeconds: positive(options.maxTokenLifetimeSeconds, 'maxTokenLifetimeSeconds', MAX_TOKEN_TTL_SECONDS, 86400),
    maxRevocationStalenessMs: positive(options.maxRevocationStalenessMs, 'maxRevocationStalenessMs', 30_000),
    failOpen: options.failOpen ?? false,
    cacheSize: positive(options.cacheSize, 'cacheSize', 10_000, 10_000_000),
    jwksCooldownMs: positive(options.jwksCooldownMs, 'jwksCooldownMs', 30_000),
    jwksMaxAgeMs: positive(options.jwksMaxAgeMs, 'jwksMaxAgeMs', 300_000),
    jwksTimeoutMs: positive(options.jwksTimeoutMs, 'jwksTimeoutMs', 5_000, 60_000),
    metricsRegistry: options.metricsRegistry,
    instanceId: options.instanceId ?? defaultInstanceId
  })
}
