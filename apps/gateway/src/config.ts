// Gateway configuration: the only reader of process.env; validated once, converted, frozen.
import { envSchema } from 'env-schema'
import { MAX_KEY_ROW_AGE_SECONDS, MAX_TOKEN_TTL_SECONDS, SIGNING_ALGORITHMS, type SigningAlgorithm } from '@keygate/protocol'
import { RedisConfigError, type RedisTopology, redisPrefixFor, redisTopologyFromEnv } from '@keygate/verifier'
import { OWASP_ARGON2_PARAMS, type Argon2Params } from './keys/hashing.ts'
import { PREFIX_PATTERN } from './keys/format.ts'

export interface GatewayConfig {
  host: string
  port: number
  /** Unset: an embedded Postgres under `dataDir`. */
  databaseUrl: string | undefined
  /** REDIS_URL, a Sentinel set or a Cluster (see @keygate/verifier's redisTopologyFromEnv). Unset: an in-process revocation store (single node). */
  redis: RedisTopology | undefined
  /** Prefix of every Redis key and channel. */
  redisPrefix: string
  dataDir: string
  issuer: string
  tokenTtlSeconds: number
  /** What new signing keys are; changing it is a rotation (the new key published ahead). */
  signingAlg: SigningAlgorithm
  defaultAudience: string
  keyPrefix: string
  /** 32 bytes, base64. Unset: generated once into `dataDir`. */
  masterKey: string | undefined
  logLevel: string
  /** Fastify `trustProxy`: false, a hop count, or a list of addresses/CIDRs (never `true`: see loadConfig). */
  trustProxy: false | number | string
  argon2: Argon2Params
  /** Largest number of Argon2 verifications running at once. */
  maxConcurrentHashes: number
  adminRateLimitPerMinute: number
  /** Requests per minute per client address at the endpoints that authenticate a key, before any database or Argon2 work. */
  tokenRateLimitPerIp: number
  /** Failed Argon2 verifications per minute per keyId; beyond, that keyId gets 429 without Argon2. */
  authFailureLimitPerKey: number
  /** When set, GET /metrics needs `Authorization: Bearer <this>`. */
  metricsToken: string | undefined
  /** A key presented again within this window skips Argon2 (0: off). */
  exchangeCacheSeconds: number
  /** How long an exchange may use a key row it read before, while this replica hears every change (0: off). */
  keyCacheSeconds: number
  /** Create and print an admin key when the database holds no key at all. */
  bootstrapAdmin: boolean
  /** How long an idle keep-alive connection stays open; above a load balancer's own idle timeout. */
  keepAliveTimeoutMs: number
  /** How long a request may take to arrive whole, headers and body, however steadily its bytes trickle in. */
  requestTimeoutMs: number
  /** How long a connection may stay silent in the middle of a request or a response. */
  connectionTimeoutMs: number
  /** When set, admin routes take only tokens whose `aud` names it: a token minted for a service is no admin token. */
  adminAudience: string | undefined
  /** Serve the ops console at /console. */
  console: boolean
}

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor (readonly variable: string, problem: string) {
    super(`${variable} ${problem}`)
  }
}

interface RawEnv {
  PORT: number
  HOST: string
  DATABASE_URL?: string
  REDIS_URL?: string
  KEYGATE_REDIS_PREFIX?: string
  DATA_DIR: string
  KEYGATE_ISSUER?: string
  KEYGATE_TOKEN_TTL: number
  KEYGATE_SIGNING_ALG: SigningAlgorithm
  KEYGATE_DEFAULT_AUDIENCE: string
  KEYGATE_KEY_PREFIX: string
  KEYGATE_MASTER_KEY?: string
  LOG_LEVEL: string
  KEYGATE_TRUST_PROXY: string
  KEYGATE_ARGON2_MEMORY_KIB: number
  KEYGATE_ARGON2_TIME_COST: number
  KEYGATE_ARGON2_PARALLELISM: number
  KEYGATE_MAX_CONCURRENT_HASHES: number
  KEYGATE_BOOTSTRAP_ADMIN: boolean
  KEYGATE_ADMIN_RATE_LIMIT: number
  KEYGATE_TOKEN_RATE_LIMIT_IP: number
  KEYGATE_AUTH_FAILURE_LIMIT_KEY: number
  KEYGATE_METRICS_TOKEN?: string
  KEYGATE_EXCHANGE_CACHE_SECONDS: number
  KEYGATE_KEY_CACHE_SECONDS: number
  KEYGATE_KEEP_ALIVE_TIMEOUT_MS: number
  KEYGATE_REQUEST_TIMEOUT_MS: number
  KEYGATE_CONNECTION_TIMEOUT_MS: number
  KEYGATE_ADMIN_AUDIENCE?: string
  KEYGATE_CONSOLE: boolean
}

const schema = {
  type: 'object',
  required: [],
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    // Braces allowed: a Cluster needs a hash tag (`{keygate}:`, its default) to keep the stream in one slot.
    KEYGATE_REDIS_PREFIX: { type: 'string', pattern: '^[\\w:.{}-]{0,64}$' },
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    KEYGATE_ISSUER: { type: 'string', maxLength: 256, pattern: '^https?://[^\\s]+$' },
    KEYGATE_TOKEN_TTL: { type: 'integer', minimum: 1, maximum: MAX_TOKEN_TTL_SECONDS, default: 300 },
    KEYGATE_SIGNING_ALG: { type: 'string', enum: SIGNING_ALGORITHMS, default: 'EdDSA' },
    KEYGATE_DEFAULT_AUDIENCE: { type: 'string', minLength: 1, maxLength: 256, default: 'keygate' },
    KEYGATE_KEY_PREFIX: { type: 'string', pattern: PREFIX_PATTERN.source, default: 'kg_live' },
    KEYGATE_MASTER_KEY: { type: 'string' },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    KEYGATE_TRUST_PROXY: { type: 'string', default: 'false' },
    KEYGATE_ARGON2_MEMORY_KIB: { type: 'integer', minimum: OWASP_ARGON2_PARAMS.memoryCost, maximum: 4194304, default: OWASP_ARGON2_PARAMS.memoryCost },
    KEYGATE_ARGON2_TIME_COST: { type: 'integer', minimum: OWASP_ARGON2_PARAMS.timeCost, maximum: 64, default: OWASP_ARGON2_PARAMS.timeCost },
    KEYGATE_ARGON2_PARALLELISM: { type: 'integer', minimum: 1, maximum: 16, default: OWASP_ARGON2_PARAMS.parallelism },
    KEYGATE_MAX_CONCURRENT_HASHES: { type: 'integer', minimum: 1, maximum: 256, default: 2 },
    KEYGATE_BOOTSTRAP_ADMIN: { type: 'boolean', default: true },
    KEYGATE_ADMIN_RATE_LIMIT: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 600 },
    KEYGATE_TOKEN_RATE_LIMIT_IP: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 6000 },
    KEYGATE_AUTH_FAILURE_LIMIT_KEY: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 60 },
    KEYGATE_METRICS_TOKEN: { type: 'string', minLength: 16, maxLength: 512, pattern: '^[\\x21-\\x7e]+$' },
    KEYGATE_EXCHANGE_CACHE_SECONDS: { type: 'integer', minimum: 0, maximum: 3600, default: 60 },
    KEYGATE_KEY_CACHE_SECONDS: { type: 'integer', minimum: 0, maximum: MAX_KEY_ROW_AGE_SECONDS, default: MAX_KEY_ROW_AGE_SECONDS },
    KEYGATE_KEEP_ALIVE_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 5000 },
    KEYGATE_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 600_000, default: 15_000 },
    KEYGATE_CONNECTION_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 600_000, default: 10_000 },
    KEYGATE_ADMIN_AUDIENCE: { type: 'string', minLength: 1, maxLength: 256 },
    KEYGATE_CONSOLE: { type: 'boolean', default: true }
  }
} as const

// Ajv reports `/KEYGATE_TOKEN_TTL must be integer`; keep the variable and the reason, one line.
function toConfigError (err: unknown): ConfigError {
  // Ajv joins every problem into one message: keep the first.
  const message = err instanceof Error ? err.message.split('\n')[0]?.split(/, (?=env\/)/)[0] ?? '' : String(err)
  const match = /\/?([A-Z][A-Z0-9_]*) (.*)$/.exec(message)
  return match ? new ConfigError(match[1] ?? 'configuration', match[2] ?? 'is invalid') : new ConfigError('configuration', message)
}

// `true` trusts every X-Forwarded-For, so any client picks the address that its limits and allowlists
// see: name the proxies (addresses or ranges) or how many hops to trust instead.
function parseTrustProxy (value: string): false | number | string {
  if (value === 'true') throw new ConfigError('KEYGATE_TRUST_PROXY', 'must not be true (any client could pick its address): give the proxies\' addresses or ranges, or a hop count')
  if (value === 'false' || value === '') return false
  if (/^\d+$/.test(value)) return Number(value)
  return value
}

function checkMasterKey (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || Buffer.from(value, 'base64').length !== 32) {
    throw new ConfigError('KEYGATE_MASTER_KEY', 'must be 32 bytes in base64 (openssl rand -base64 32)')
  }
  return value
}

function deepFreeze<T> (value: T): Readonly<T> {
  for (const inner of Object.values(value as object)) {
    if (typeof inner === 'object' && inner !== null) deepFreeze(inner)
  }
  return Object.freeze(value)
}

// Variables an earlier version read: set, they would be silently ignored, so they stop the start.
const RETIRED: Record<string, string> = {
  KEYGATE_TOKEN_RATE_LIMIT_KEY: 'the per-key limit counts failed verifications only, set by KEYGATE_AUTH_FAILURE_LIMIT_KEY'
}

/** Reads, validates and freezes the configuration; throws ConfigError naming the variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  for (const [variable, replacement] of Object.entries(RETIRED)) {
    if (env[variable] !== undefined) throw new ConfigError(variable, `is no longer read: ${replacement}`)
  }
  const data = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  let raw: RawEnv
  try {
    raw = envSchema<RawEnv>({ schema, data, env: false, dotenv: false })
  } catch (err) {
    throw toConfigError(err)
  }
  let redis: RedisTopology | undefined
  try {
    redis = redisTopologyFromEnv(data)
  } catch (err) {
    if (!(err instanceof RedisConfigError)) throw err
    const variable = /^[A-Z_]+/.exec(err.message)?.[0] ?? 'REDIS_URL'
    throw new ConfigError(variable, err.message.slice(variable.length + 1))
  }
  const issuerHost = raw.HOST === '0.0.0.0' || raw.HOST === '::' ? 'localhost' : raw.HOST
  return deepFreeze({
    host: raw.HOST,
    port: raw.PORT,
    databaseUrl: raw.DATABASE_URL,
    redis,
    redisPrefix: redisPrefixFor(redis, raw.KEYGATE_REDIS_PREFIX),
    dataDir: raw.DATA_DIR,
    issuer: (raw.KEYGATE_ISSUER ?? `http://${issuerHost}:${raw.PORT}`).replace(/\/+$/, ''),
    tokenTtlSeconds: raw.KEYGATE_TOKEN_TTL,
    signingAlg: raw.KEYGATE_SIGNING_ALG,
    defaultAudience: raw.KEYGATE_DEFAULT_AUDIENCE,
    keyPrefix: raw.KEYGATE_KEY_PREFIX,
    masterKey: checkMasterKey(raw.KEYGATE_MASTER_KEY),
    logLevel: raw.LOG_LEVEL,
    trustProxy: parseTrustProxy(raw.KEYGATE_TRUST_PROXY),
    argon2: {
      memoryCost: raw.KEYGATE_ARGON2_MEMORY_KIB,
      timeCost: raw.KEYGATE_ARGON2_TIME_COST,
      parallelism: raw.KEYGATE_ARGON2_PARALLELISM
    },
    maxConcurrentHashes: raw.KEYGATE_MAX_CONCURRENT_HASHES,
    adminRateLimitPerMinute: raw.KEYGATE_ADMIN_RATE_LIMIT,
    tokenRateLimitPerIp: raw.KEYGATE_TOKEN_RATE_LIMIT_IP,
    authFailureLimitPerKey: raw.KEYGATE_AUTH_FAILURE_LIMIT_KEY,
    metricsToken: raw.KEYGATE_METRICS_TOKEN,
    exchangeCacheSeconds: raw.KEYGATE_EXCHANGE_CACHE_SECONDS,
    keyCacheSeconds: raw.KEYGATE_KEY_CACHE_SECONDS,
    bootstrapAdmin: raw.KEYGATE_BOOTSTRAP_ADMIN,
    keepAliveTimeoutMs: raw.KEYGATE_KEEP_ALIVE_TIMEOUT_MS,
    requestTimeoutMs: raw.KEYGATE_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: raw.KEYGATE_CONNECTION_TIMEOUT_MS,
    adminAudience: raw.KEYGATE_ADMIN_AUDIENCE,
    console: raw.KEYGATE_CONSOLE
  })
}
