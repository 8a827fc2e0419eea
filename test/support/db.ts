// A database per test file, cloned from the migrated template: files run in parallel without sharing rows.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { databaseUrl } from './urls.ts'

export interface TestDatabase {
  name: string
  url: string
  pool: pg.Pool
  drop (): Promise<void>
}

async function admin<T> (work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function createTestDatabase (): Promise<TestDatabase> {
  const name = `kg_test_${randomBytes(6).toString('hex')}`
  const template = inject('templateDatabase')
  // Parallel clones of one template can collide ("being accessed by other users"): retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
      break
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
    }
  }
  const url = databaseUrl(inject('postgresUrl'), name)
  const pool = new pg.Pool({ connectionString: url, max: 3 })
  pool.on('error', () => {})
  return {
    name,
    url,
    pool,
    async drop () {
      await pool.end()
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    }
  }
}
