import { describe, expect, it } from 'vitest'
import { migrate } from '@keygate/gateway'
import { fileDatabase } from '../support/gateway.ts'

describe('migrations', () => {
  it('records each migration once and applies nothing the second time', async () => {
    const db = await fileDatabase()
    const { rows } = await db.pool.query<{ version: number, name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')
    expect(rows[0]).toEqual({ version: 1, name: '001_init.sql' })
    expect(await migrate(db.pool)).toEqual([])
  })

  it('serialises concurrent runs (replicas starting together) without error', async () => {
    const db = await fileDatabase()
    const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)])
    expect(results).toEqual([[], [], []])
  })

  it('rolls back a failing migration and reports its name', async () => {
    const db = await fileDatabase()
    const broken = [{ version: 999, name: '999_broken.sql', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' }]
    await expect(migrate(db.pool, broken)).rejects.toThrow('999_broken.sql')
    const { rowCount } = await db.pool.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'")
    expect(rowCount).toBe(0)
    const { rows } = await db.pool.query('SELECT 1 FROM schema_migrations WHERE version = 999')
    expect(rows).toHaveLength(0)
  })
})
