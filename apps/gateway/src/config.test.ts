import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('applies the SPEC defaults to an empty environment', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      redis: undefined,
      redisPrefix: 'keygate:',
      dataDir: '.data',
      issuer: 'http://127.0.0.1:3000',
      tokenTtlSeconds: 300,
      defaultAudience: 'keygate',
      keyPrefix: 'kg_live',
      masterKey: undefined,
      trustProxy: false,
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      keepAliveTimeoutMs: 5000,
      requestTimeoutMs: 15_000,
      connectionTimeoutMs: 10_000,
      adminAudience: undefined
    })
  })

  it('is frozen, nested objects included', () => {
    const config = loadConfig({})
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.argon2)).toBe(true)
  })

  it('converts numbers and trims the issuer', () => {
    const config = loadConfig({ PORT: '8080', KEYGATE_TOKEN_TTL: '60', KEYGATE_ISSUER: 'https://auth.example.com/' })
    expect(config.port).toBe(8080)
    expect(config.tokenTtlSeconds).toBe(60)
    expect(config.issuer).toBe('https://auth.example.com')
  })

  it('reads the admin audience', () => {
    expect(loadConfig({ KEYGATE_ADMIN_AUDIENCE: 'keygate-admin' }).adminAudience).toBe('keygate-admin')
  })

  it.each([
    ['KEYGATE_TOKEN_TTL', 'abc'],
    ['KEYGATE_TOKEN_TTL', '3601'],
    ['KEYGATE_TOKEN_TTL', '0'],
    ['PORT', '70000'],
    ['KEYGATE_KEEP_ALIVE_TIMEOUT_MS', '500'],
    ['KEYGATE_REQUEST_TIMEOUT_MS', '999'],
    ['KEYGATE_CONNECTION_TIMEOUT_MS', '600001'],
    ['KEYGATE_ADMIN_AUDIENCE', 'a'.repeat(257)],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['KEYGATE_KEY_PREFIX', 'KG-LIVE'],
    ['KEYGATE_MASTER_KEY', 'c2hvcnQ='],
    ['KEYGATE_ARGON2_MEMORY_KIB', '1024'],
    ['LOG_LEVEL', 'loud']
  ])('refuses %s=%s with an error naming the variable', (variable, value) => {
    let caught: unknown
    try {
      loadConfig({ [variable]: value })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).variable).toBe(variable)
    expect((caught as ConfigError).message.split('\n')).toHaveLength(1)
  })

  it('names only the first of several bad variables', () => {
    expect(() => loadConfig({ PORT: 'x', KEYGATE_TOKEN_TTL: 'y' })).toThrow(/^PORT must be integer$/)
  })

  it('accepts a 32-byte base64 master key', () => {
    const key = Buffer.alloc(32, 7).toString('base64')
    expect(loadConfig({ KEYGATE_MASTER_KEY: key }).masterKey).toBe(key)
  })

  it('reads one Redis topology: a URL, a Sentinel set or a Cluster (with a hash-tag prefix by default), never two', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' })).toMatchObject({ redis: { kind: 'standalone', url: 'redis://r:6379' }, redisPrefix: 'keygate:' })
    expect(loadConfig({ KEYGATE_REDIS_SENTINELS: 's1:26379, s2:26380', KEYGATE_REDIS_SENTINEL_NAME: 'main' })).toMatchObject({
      redis: { kind: 'sentinel', name: 'main', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }] }, redisPrefix: 'keygate:'
    })
    expect(loadConfig({ KEYGATE_REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' })).toMatchObject({ redis: { kind: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }] }, redisPrefix: '{keygate}:' })
    expect(loadConfig({ KEYGATE_REDIS_CLUSTER_NODES: 'n:7000', KEYGATE_REDIS_PREFIX: '{kg}:' }).redisPrefix).toBe('{kg}:')
    expect(() => loadConfig({ REDIS_URL: 'redis://r', KEYGATE_REDIS_CLUSTER_NODES: 'n:7000' })).toThrow(/REDIS_URL and KEYGATE_REDIS_CLUSTER_NODES are both set/)
    expect(() => loadConfig({ KEYGATE_REDIS_SENTINELS: 's1:26379' })).toThrow(/KEYGATE_REDIS_SENTINEL_NAME/)
    expect(() => loadConfig({ KEYGATE_REDIS_CLUSTER_NODES: 'n:99999' })).toThrow(/KEYGATE_REDIS_CLUSTER_NODES holds n:99999/)
    expect(() => loadConfig({ REDIS_URL: 'redis+sentinel://s:26379' })).toThrow(/REDIS_URL/)
  })

  it('refuses a variable it no longer reads, naming what replaced it', () => {
    expect(() => loadConfig({ KEYGATE_TOKEN_RATE_LIMIT_KEY: '600' })).toThrow(/KEYGATE_TOKEN_RATE_LIMIT_KEY is no longer read: .*KEYGATE_AUTH_FAILURE_LIMIT_KEY/)
  })

  it('parses trust proxy settings', () => {
    expect(() => loadConfig({ KEYGATE_TRUST_PROXY: 'true' })).toThrow(/KEYGATE_TRUST_PROXY must not be true/)
    expect(loadConfig({ KEYGATE_TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(loadConfig({ KEYGATE_TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ KEYGATE_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8')
  })
})
