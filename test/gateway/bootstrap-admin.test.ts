import { afterEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import type { RunningProcess } from '../support/process.ts'
import { spawnGateway } from '../support/processes.ts'
import { fileMasterKey } from '../support/gateway.ts'

const running: RunningProcess[] = []
const databases: TestDatabase[] = []
afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  for (const db of databases.splice(0)) await db.drop()
})

async function adminStatus (url: string, key: string): Promise<number> {
  const exchanged = await fetch(`${url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })
  expect(exchanged.status).toBe(200)
  const { access_token: token } = await exchanged.json() as { access_token: string }
  return (await fetch(`${url}/admin/keys`, { headers: { authorization: `Bearer ${token}` } })).status
}

describe('bootstrap admin key', () => {
  it.each([
    ['without an admin audience', {}],
    ['with an admin audience, the key asks for it', { KEYGATE_ADMIN_AUDIENCE: 'keygate-admin' }]
  ])('prints the first admin key of an empty database, whose token opens the admin API (%s)', async (_name, extra: Record<string, string>) => {
    const db = await createTestDatabase()
    databases.push(db)
    const env = { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey(), KEYGATE_BOOTSTRAP_ADMIN: 'true', LOG_LEVEL: 'warn', ...extra }
    const gateway = await spawnGateway(env, running)
    const [key = ''] = await gateway.proc.waitFor(/kg_live_[0-9A-Za-z]+_[0-9A-Za-z]{49}/)
    expect(await adminStatus(gateway.url, key)).toBe(200)
  })
})
