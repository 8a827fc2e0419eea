// The bench's infrastructure: Postgres and Redis URLs, a fresh database, keys made in process.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Redis } from 'ioredis'
import { type CreatedKey, buildGateway, loadConfig, migrate, parsePublicKey } from '@keygate/gateway'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const MASTER_KEY = randomBytes(32).toString('base64')
export const ISSUER = 'http://keygate.bench'

export interface BenchDatabase { url: string, drop (): Promise<void> }

export async function createBenchDatabase (): Promise<BenchDatabase> {
  const name = `kg_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 })
  await migrate(pool)
  await pool.end()
  return {
    url: url.toString(),
    async drop () {
      const c = new pg.Client({ connectionString: DATABASE_URL })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    }
  }
}

/** Creates keys through the gateway's own code, without serving anything. */
export async function createKeys (databaseUrl: string, specs: Array<{ owner: string, scopes: string[], publicKey?: string }>): Promise<CreatedKey[]> {
  const app = await buildGateway(loadConfig({ DATABASE_URL: databaseUrl, KEYGATE_MASTER_KEY: MASTER_KEY, KEYGATE_ISSUER: ISSUER, LOG_LEVEL: 'silent', DATA_DIR: '/tmp/keygate-bench' }))
  try {
    const created: CreatedKey[] = []
    for (const { publicKey, ...spec } of specs) created.push(await app.keys.createKey({ name: 'bench', ...spec, ...(publicKey ? { publicKey: parsePublicKey(publicKey) } : {}) }))
    return created
  } finally {
    await app.close()
  }
}

/** Deletes every Redis key under these prefixes (what one bench run made), on one connection. */
export async function removeRedisPrefixes (redisUrl: string, prefixes: string[]): Promise<void> {
  const redis = new Redis(redisUrl)
  try {
    for (const prefix of prefixes) {
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.del(...keys)
      }
    }
  } finally {
    redis.disconnect()
  }
}
