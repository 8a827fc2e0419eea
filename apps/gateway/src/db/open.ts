// Opens the database the configuration names: a pool on DATABASE_URL, or on the embedded server.
import pg from 'pg'
import { startEmbeddedPostgres } from './embedded.ts'

export interface DatabaseOptions {
  databaseUrl: string | undefined
  dataDir: string
  poolSize?: number
  /** Where errors of idle clients go: a stopping server makes them emit, and unheard they would crash the process. */
  onIdleError: (err: Error) => void
}

export interface Database {
  pool: pg.Pool
  embedded: boolean
  close (): Promise<void>
}

export async function openDatabase (options: DatabaseOptions): Promise<Database> {
  const embedded = options.databaseUrl === undefined ? await startEmbeddedPostgres(options.dataDir) : undefined
  const pool = new pg.Pool({
    connectionString: embedded?.url ?? options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A half-open connection (the LISTEN one above all) is found by the kernel and ends with an error.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: 10_000,
    // A query the server would have cancelled answers by now; one on a connection gone silent fails here,
    // and its client leaves the pool.
    query_timeout: 12_000
  })
  pool.on('error', options.onIdleError)
  return {
    pool,
    embedded: embedded !== undefined,
    async close () {
      await pool.end()
      if (embedded) await embedded.stop()
    }
  }
}
