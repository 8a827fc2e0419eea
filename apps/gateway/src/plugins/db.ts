// Postgres: the pool (from DATABASE_URL, or an embedded server under DATA_DIR), migrated before use.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { migrate } from '../db/migrate.ts'
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded.ts'

export interface DbPluginOptions {
  databaseUrl: string | undefined
  dataDir: string
  poolSize?: number
}

async function dbPlugin (app: FastifyInstance, options: DbPluginOptions): Promise<void> {
  if (app.hasDecorator('db')) throw new Error('keygate-db is already registered')
  let embedded: EmbeddedPostgres | undefined
  let url = options.databaseUrl
  if (url === undefined) {
    embedded = await startEmbeddedPostgres(options.dataDir)
    url = embedded.url
    app.log.info({ dataDir: options.dataDir }, 'embedded Postgres started')
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000
  })
  // A server going away makes idle clients emit errors; without a listener they would crash the process.
  pool.on('error', (err) => app.log.warn({ err }, 'idle Postgres client failed'))
  app.decorate('db', pool)
  app.addHook('onClose', async () => {
    await pool.end()
    if (embedded) await embedded.stop()
  })
  await migrate(pool)
}

export default fp(dbPlugin, { name: 'keygate-db', fastify: '5.x' })
