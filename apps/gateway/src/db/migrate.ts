// Forward-only SQL migrations from migrations/NNN_name.sql, applied once each under an advisory lock.
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
// Any constant shared by every replica: only one of them migrates at a time.
const MIGRATION_LOCK_ID = 0x6b657967

export interface Migration {
  version: number
  name: string
  sql: string
}

export async function loadMigrations (dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort()
  return Promise.all(files.map(async (name) => ({
    version: Number(name.slice(0, 3)),
    name,
    sql: await readFile(new URL(name, `file://${dir}`), 'utf8')
  })))
}

/** Applies pending migrations in order, each in its own transaction; returns the names applied. */
export async function migrate (pool: pg.Pool, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? await loadMigrations()
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID])
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations')
    const done = new Set(rows.map((r) => r.version))
    const applied: string[] = []
    for (const m of all) {
      if (done.has(m.version)) continue
      await client.query('BEGIN')
      try {
        await client.query(m.sql)
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK')
        throw new Error(`migration ${m.name} failed`, { cause: err })
      }
      applied.push(m.name)
    }
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {})
    client.release()
  }
}
