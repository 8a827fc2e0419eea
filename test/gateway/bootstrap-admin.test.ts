import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import type { RunningProcess } from '../support/process.ts'
import { spawnGateway } from '../support/processes.ts'
import { fileMasterKey } from '../support/gateway.ts'

const running: RunningProcess[] = []
const databases: TestDatabase[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  for (const db of databases.splice(0)) await db.drop()
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
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
  ])('writes the first admin key of an empty database to a 0600 file, never to stdout; its token opens the admin API (%s)', async (_name, extra: Record<string, string>) => {
    const db = await createTestDatabase()
    databases.push(db)
    const dataDir = await mkdtemp(join(tmpdir(), 'keygate-bootstrap-'))
    dirs.push(dataDir)
    const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, KEYGATE_MASTER_KEY: fileMasterKey(), KEYGATE_BOOTSTRAP_ADMIN: 'true', LOG_LEVEL: 'warn', ...extra }
    const gateway = await spawnGateway(env, running)
    const path = join(dataDir, 'bootstrap-admin-key')
    const [, printedPath] = await gateway.proc.waitFor(/created the first admin key[^\n]*\n\s+(\S+)/)
    expect(printedPath).toBe(path)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const key = (await readFile(path, 'utf8')).trim()
    expect(key).toMatch(/^kg_live_[0-9A-Za-z]+_[0-9A-Za-z]{49}$/)
    // Not a terminal: the key itself is in no output stream.
    expect(gateway.proc.stdout() + gateway.proc.stderr()).not.toContain(key)
    expect(await adminStatus(gateway.url, key)).toBe(200)
    const { rows } = await db.pool.query("SELECT actor, action, target FROM audit_log WHERE action = 'key.create'")
    expect(rows).toEqual([{ actor: 'keygate:bootstrap', action: 'key.create', target: key.split('_')[2] }])
  })
})
