// Postgres for the app: the pool (DATABASE_URL, or the embedded server under DATA_DIR), migrated before use.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { migrate } from '../db/migrate.ts'
import { openDatabase } from '../db/open.ts'

export interface DbPluginOptions {
  databaseUrl: string | undefined
  dataDir: string
  poolSize?: number
}

async function dbPlugin (app: FastifyInstance, options: DbPluginOptions): Promise<void> {
  if (app.hasDecorator('db')) throw new Error('keygate-db is already registered')
  const database = await openDatabase({ ...options, onIdleError: (err) => app.log.warn({ err }, 'idle Postgres client failed') })
  if (database.embedded) app.log.info({ dataDir: options.dataDir }, 'embedded Postgres started')
  app.decorate('db', database.pool)
  app.addHook('onClose', () => database.close())
  try {
    await migrate(database.pool)
  } catch (err) {
    await database.close()
    throw err
  }
}

export default fp(dbPlugin, { name: 'keygate-db', fastify: '5.x' })
