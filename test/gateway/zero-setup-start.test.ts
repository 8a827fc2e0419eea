import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../support/redis-server.ts'
import { type RunningProcess, startProcess } from '../support/process.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const GATEWAY = join(ROOT, 'apps/gateway')

// A user's environment: no DATABASE_URL, no REDIS_URL, nothing of keygate's.
function cleanEnv (extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...extra }
  return env
}

const running: RunningProcess[] = []
let dataDir: string | undefined

afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  if (dataDir) {
    // A failed test must not leave its embedded server behind.
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid')
    if (existsSync(pidFile)) process.kill(Number((await readFile(pidFile, 'utf8')).split('\n')[0]), 'SIGINT')
    await rm(dataDir, { recursive: true, force: true })
  }
})

async function startGateway (env: Record<string, string>): Promise<{ proc: RunningProcess, url: string }> {
  const proc = startProcess('pnpm', ['start'], { cwd: ROOT, env: cleanEnv(env) })
  running.push(proc)
  const [, url] = await proc.waitFor(/Server listening at (http:\/\/[\d.:]+)/, 60_000)
  return { proc, url: url ?? '' }
}

async function exchange (url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })
  return res.status
}

describe('zero-setup start (pnpm start: the build, no DATABASE_URL)', () => {
  it('starts on embedded Postgres, prints one admin key, keeps keys across a restart and stops cleanly', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'keygate-start-'))
    await chmod(parent, 0o711)
    dataDir = parent
    const env = { DATA_DIR: join(parent, 'data'), PORT: String(await freePort()) }

    const first = await startGateway(env)
    await first.proc.waitFor(/bootstrap-admin-key/)
    const key = (await readFile(join(parent, 'data', 'bootstrap-admin-key'), 'utf8')).trim()
    expect(await exchange(first.url, key)).toBe(200)
    // The built gateway (pnpm start runs apps/gateway/dist/server.js) serves the admin API to that key.
    const issued = await fetch(`${first.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })
    const { access_token: token } = await issued.json() as { access_token: string }
    expect((await fetch(`${first.url}/admin/keys`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect(first.proc.stdout() + first.proc.stderr()).not.toMatch(/tsx/)
    expect((await stat(join(parent, 'data', 'master.key'))).mode & 0o777).toBe(0o600)
    expect(first.proc.stdout() + first.proc.stderr()).toMatch(/KEYGATE_MASTER_KEY is unset/)

    // pnpm forwards SIGTERM to the gateway and then ends by the same signal.
    first.proc.child.kill('SIGTERM')
    await first.proc.exited
    expect(first.proc.stdout()).toMatch(/"signal":"SIGTERM","msg":"shutting down"/)
    expect(first.proc.stdout()).not.toMatch(/"level":50/)
    expect(existsSync(join(parent, 'data', 'postgres', 'postmaster.pid'))).toBe(false)

    const second = await startGateway(env)
    expect(await exchange(second.url, key)).toBe(200)
    expect(second.proc.stdout()).not.toMatch(/kg_live_/)
    second.proc.child.kill('SIGTERM')
    await second.proc.exited
    expect(existsSync(join(parent, 'data', 'postgres', 'postmaster.pid'))).toBe(false)
  }, 120_000)

  it('stops start-up with one clear line naming a bad variable', async () => {
    const proc = startProcess(process.execPath, ['dist/server.js'], { cwd: GATEWAY, env: cleanEnv({ KEYGATE_TOKEN_TTL: 'abc' }) })
    running.push(proc)
    expect(await proc.exited).toBe(1)
    const lines = proc.stderr().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^keygate: invalid configuration: KEYGATE_TOKEN_TTL /)
    expect(proc.stdout()).toBe('')
  })
})
