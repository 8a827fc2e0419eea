// What every CLI command works with: the configuration, the database (migrated), the key and signing-key services, the actor.
import { userInfo } from 'node:os'
import type { Actor } from '../audit/store.ts'
import { loadConfig, type GatewayConfig } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { type Database, openDatabase } from '../db/open.ts'
import type { KeyAdmin } from '../keys/admin.ts'
import type { KeyService } from '../keys/service.ts'
import { createKeyServices } from '../keys/services.ts'
import { resolveMasterKey } from '../tokens/master-key.ts'
import { type SigningKeyAdmin, createSigningKeyAdmin } from '../tokens/signing-key-admin.ts'

export interface CliContext {
  config: Readonly<GatewayConfig>
  database: Database
  keys: KeyService
  keyAdmin: KeyAdmin
  /** Opens the master key on first use: only signing-key commands need it. */
  signingKeys (): Promise<SigningKeyAdmin>
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
  // One hash at a time and no exchange cache: the CLI creates keys, it does not exchange them.
  const { keys, keyAdmin } = createKeyServices({
    db: database.pool,
    keyPrefix: config.keyPrefix,
    argon2: config.argon2,
    maxConcurrentHashes: 1,
    exchangeCacheSeconds: 0,
    onBackgroundError: () => {}
  })
  return {
    config,
    database,
    keys,
    keyAdmin,
    signingKeys: async () => createSigningKeyAdmin({ db: database.pool, masterKey: await resolveMasterKey(config, () => {}), alg: config.signingAlg }),
    actor: { id: `cli:${userInfo().username}` }
  }
}
