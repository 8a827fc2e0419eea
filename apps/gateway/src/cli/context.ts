// What every CLI command works with: the configuration, the database (migrated), the key services, the actor.
import { userInfo } from 'node:os'
import { MAX_TOKEN_TTL_SECONDS } from '@keygate/protocol'
import type { Actor } from '../audit/store.ts'
import { loadConfig, type GatewayConfig } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { type Database, openDatabase } from '../db/open.ts'
import { type KeyAdmin, createKeyAdmin } from '../keys/admin.ts'
import { createArgon2Hasher } from '../keys/hashing.ts'
import { type KeyService, createKeyService } from '../keys/service.ts'
import { createVerifiedCache } from '../keys/verified-cache.ts'
import { createWorkLimiter } from '../keys/work-limiter.ts'
import { CLOCK_TOLERANCE_SECONDS } from '../tokens/own-token-verifier.ts'

export interface CliContext {
  config: Readonly<GatewayConfig>
  database: Database
  keys: KeyService
  keyAdmin: KeyAdmin
  /** The audit actor: `cli:<login>`. */
  actor: Actor
}

/** Runs `work` with an open context and closes it afterwards, whatever happens. */
export async function withCliContext<T> (work: (ctx: CliContext) => Promise<T>, options: { migrate: boolean } = { migrate: true }): Promise<T> {
  const ctx = await openCliContext(options)
  try {
    return await work(ctx)
  } finally {
    await ctx.database.close()
  }
}

async function openCliContext (options: { migrate: boolean }): Promise<CliContext> {
  const config = loadConfig()
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 2,
    onIdleError: (err) => process.stderr.write(`keygate: database connection lost: ${err.message}\n`)
  })
  if (options.migrate) await migrate(database.pool)
  const keys = createKeyService({
    db: database.pool,
    hasher: createArgon2Hasher(config.argon2),
    limiter: createWorkLimiter(1, 1),
    verified: createVerifiedCache(0, 0),
    keyPrefix: config.keyPrefix,
    onBackgroundError: () => {}
  })
  const keyAdmin = createKeyAdmin({ db: database.pool, keys, revocationLifetimeSeconds: MAX_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS })
  return { config, database, keys, keyAdmin, actor: { id: `cli:${userInfo().username}` } }
}
