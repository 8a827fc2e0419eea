// One transaction: BEGIN, the work, COMMIT; ROLLBACK on any error.
import type pg from 'pg'

export type Queryable = Pick<pg.Pool, 'query'>

export async function withTransaction<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}
