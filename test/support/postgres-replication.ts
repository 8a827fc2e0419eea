// A primary and a streaming standby of the test's own, with synchronous commit to the standby: the setting
// docs/operations.md names for keeping an acknowledged revocation across a failover. Both run from the embedded
// Postgres binaries, so the test needs nothing the suite does not already install. The standby starts from a copy
// of the primary's stopped data directory: what pg_basebackup makes of a running one (this machine's
// pg_basebackup belongs to another major version than the embedded server, and versions cannot be mixed).
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { onTestFinished } from 'vitest'
import { type EmbeddedPostgres, migrate, startEmbeddedPostgres } from '@keygate/gateway'
import { freePort } from './redis-server.ts'
import { until } from './until.ts'

const run = promisify(execFile)
const STANDBY_NAME = 'keygate_standby'

export interface ReplicatedPostgres {
  primary: { url: string, port: number }
  standby: { url: string, port: number }
  /** Kills the primary's postmaster with SIGKILL: a crash, not a shutdown (nothing more reaches the standby). */
  crashPrimary (): Promise<void>
  /** Promotes the standby to primary and waits until it accepts writes. */
  promoteStandby (): Promise<void>
  /** A query on one server, on a connection of its own. */
  query<T extends pg.QueryResultRow> (url: string, sql: string, values?: unknown[]): Promise<T[]>
}

function withPort (url: string, port: number): string {
  const u = new URL(url)
  u.port = String(port)
  return u.toString()
}

async function postmasterPid (pgdata: string): Promise<number> {
  return Number((await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0])
}

/** Starts a migrated primary with a synchronous streaming standby; both stopped and removed after the test. */
export async function startReplicatedPostgres (): Promise<ReplicatedPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-replication-'))
  await chmod(dir, 0o711)
  const primaryDir = join(dir, 'primary')
  const standbyDir = join(dir, 'standby')
  const servers: EmbeddedPostgres[] = []
  onTestFinished(async () => {
    for (const server of servers) await server.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  const [primaryPort, standbyPort] = [await freePort(), await freePort()]

  // initdb, create the database, stop: the data directory the standby is copied from.
  const first = await startEmbeddedPostgres(primaryDir, { port: primaryPort })
  const url = first.url
  await first.stop()
  const password = decodeURIComponent(new URL(url).password)
  await appendFile(join(primaryDir, 'postgres', 'postgresql.auto.conf'),
    `synchronous_standby_names = '${STANDBY_NAME}'\nsynchronous_commit = on\n`)
  // cp -a keeps the postgres user's ownership of every file.
  await run('cp', ['-a', primaryDir, standbyDir])
  await rm(join(standbyDir, 'postgres.owner'), { force: true })
  await writeFile(join(standbyDir, 'postgres', 'standby.signal'), '')
  // Once promoted, the standby has no standby of its own to wait for.
  await appendFile(join(standbyDir, 'postgres', 'postgresql.auto.conf'),
    `synchronous_standby_names = ''\nprimary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=keygate password=${password} application_name=${STANDBY_NAME}'\n`)

  servers.push(await startEmbeddedPostgres(primaryDir, { port: primaryPort }))
  servers.push(await startEmbeddedPostgres(standbyDir, { port: standbyPort }))
  const primaryUrl = withPort(url, primaryPort)
  const standbyUrl = withPort(url, standbyPort)

  async function query<T extends pg.QueryResultRow> (target: string, sql: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: target })
    client.on('error', () => {})
    await client.connect()
    try {
      return (await client.query<T>(sql, values)).rows
    } finally {
      await client.end()
    }
  }

  await until(async () => (await query<{ n: string }>(primaryUrl,
    "SELECT count(*) AS n FROM pg_stat_replication WHERE application_name = $1 AND sync_state = 'sync'", [STANDBY_NAME]))[0]?.n === '1', 30_000, 100)
  const pool = new pg.Pool({ connectionString: primaryUrl, max: 1 })
  await migrate(pool)
  await pool.end()

  return {
    primary: { url: primaryUrl, port: primaryPort },
    standby: { url: standbyUrl, port: standbyPort },
    async crashPrimary () {
      const pid = await postmasterPid(join(primaryDir, 'postgres'))
      process.kill(pid, 'SIGKILL')
      await until(async () => { try { process.kill(pid, 0); return false } catch { return true } }, 10_000, 20)
    },
    async promoteStandby () {
      await query(standbyUrl, 'SELECT pg_promote(true, 30)')
      await until(async () => (await query<{ r: boolean }>(standbyUrl, 'SELECT pg_is_in_recovery() AS r'))[0]?.r === false, 30_000, 50)
    },
    query
  }
}
