// Starts (or finds) Postgres and Redis once per run, migrates a template database, hands the URLs to the tests.
// DATABASE_URL / REDIS_URL when set; else testcontainers where a container runtime answers;
// else an embedded Postgres and a redis-server from PATH.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrate, startEmbeddedPostgres } from '@keygate/gateway'
import { startRedisServer } from './redis-server.ts'
import { databaseUrl } from './urls.ts'

interface Service { url: string, stop (): Promise<void> }

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string
    templateDatabase: string
    redisUrl: string
    redisProblem: string
  }
}

async function fromContainer (image: 'postgres' | 'redis'): Promise<Service | undefined> {
  try {
    if (image === 'postgres') {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
      const container = await new PostgreSqlContainer('postgres:17-alpine').start()
      return { url: container.getConnectionUri(), stop: async () => { await container.stop() } }
    }
    const { RedisContainer } = await import('@testcontainers/redis')
    const container = await new RedisContainer('redis:7-alpine').start()
    return { url: container.getConnectionUrl(), stop: async () => { await container.stop() } }
  } catch {
    return undefined
  }
}

async function startPostgres (): Promise<Service> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} }
  const container = await fromContainer('postgres')
  if (container) return container
  const dir = await mkdtemp(join(tmpdir(), 'keygate-test-pg-'))
  const embedded = await startEmbeddedPostgres(dir)
  return { url: embedded.url, stop: async () => { await embedded.stop(); await rm(dir, { recursive: true, force: true }) } }
}

async function startRedis (): Promise<Service | string> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} }
  const container = await fromContainer('redis')
  if (container) return container
  try {
    const server = await startRedisServer()
    return { url: server.url, stop: server.stop }
  } catch (err) {
    return `no Redis for the tests: set REDIS_URL, run a container runtime, or install redis-server (${(err as Error).message})`
  }
}

async function withClient<T> (url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

interface Residue { databases: string[], directories: string[], redisKeys: string[] }

// What tests leave behind if they do not clean up: their databases, temporary directories and Redis keys.
async function residue (postgresUrl: string, redisUrl: string | undefined): Promise<Residue> {
  const databases = await withClient(postgresUrl, async (client) =>
    (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'kg\\_test\\_%'")).rows.map((r) => r.datname))
  const directories = (await readdir(tmpdir())).filter((name) => name.startsWith('keygate-'))
  let redisKeys: string[] = []
  if (redisUrl) {
    const { Redis } = await import('ioredis')
    const redis = new Redis(redisUrl)
    redisKeys = await redis.keys('kgt:*')
    redis.disconnect()
  }
  return { databases, directories, redisKeys }
}

function newSince (before: Residue, after: Residue): string[] {
  return (Object.keys(after) as Array<keyof Residue>).flatMap((kind) => after[kind].filter((name) => !before[kind].includes(name)).map((name) => `${kind}: ${name}`))
}

export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  const redisUrl = typeof redis === 'string' ? undefined : redis.url
  const before = await residue(postgres.url, redisUrl)
  const template = `kg_template_${process.pid}`
  await withClient(postgres.url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`)
    await client.query(`CREATE DATABASE ${template}`)
  })
  const pool = new pg.Pool({ connectionString: databaseUrl(postgres.url, template), max: 1 })
  await migrate(pool)
  await pool.end()

  project.provide('postgresUrl', postgres.url)
  project.provide('templateDatabase', template)
  project.provide('redisUrl', typeof redis === 'string' ? '' : redis.url)
  project.provide('redisProblem', typeof redis === 'string' ? redis : '')

  return async () => {
    await withClient(postgres.url, (client) => client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`))
    const left = newSince(before, await residue(postgres.url, redisUrl))
    await postgres.stop()
    if (typeof redis !== 'string') await redis.stop()
    // A run that leaves something behind fails: every test cleans up what it made.
    if (left.length > 0) throw new Error(`the run left behind ${left.length} thing(s): ${left.slice(0, 20).join(', ')}`)
  }
}
