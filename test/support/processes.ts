// Gateways and example services as real processes, for tests that kill, restart or load them.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningProcess, startProcess } from './process.ts'
import { freePort } from './redis-server.ts'
import { until } from './until.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Spawned { proc: RunningProcess, url: string }

async function spawnApp (app: 'gateway' | 'example-service', env: Record<string, string>, running: RunningProcess[]): Promise<Spawned> {
  const port = env.PORT ?? String(await freePort())
  // The gateway as it runs in production, from its build; the example service from its sources.
  const args = app === 'gateway' ? ['dist/server.js'] : ['--conditions=keygate-source', '--import', 'tsx', 'src/server.ts']
  const proc = startProcess(process.execPath, args, {
    cwd: join(ROOT, 'apps', app),
    env: { PATH: process.env.PATH ?? '', ...env, PORT: port }
  })
  running.push(proc)
  const url = `http://127.0.0.1:${port}`
  await until(async () => {
    if (proc.child.exitCode !== null) throw new Error(`${app} exited: ${proc.stderr()}`)
    return (await fetch(`${url}/healthz`).catch(() => undefined)) !== undefined
  }, 30_000, 50)
  return { proc, url }
}

/** A gateway process (no bootstrap key, issuer http://keygate.test unless given). */
export function spawnGateway (env: Record<string, string>, running: RunningProcess[]): Promise<Spawned> {
  return spawnApp('gateway', { KEYGATE_BOOTSTRAP_ADMIN: 'false', KEYGATE_ISSUER: 'http://keygate.test', ...env }, running)
}

/** An example-service process (audience keygate). */
export function spawnService (env: Record<string, string>, running: RunningProcess[]): Promise<Spawned> {
  return spawnApp('example-service', { KEYGATE_AUDIENCE: 'keygate', ...env }, running)
}

/** Resident set size of a process, bytes (Linux). */
export async function rssOf (pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}
