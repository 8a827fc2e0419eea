// Servers under test, each in its own process: the real gateway, and a verifier service.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Server { url: string, pid: number, stop (): Promise<void> }

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port')))
    })
  })
}

async function start (cwd: string, script: string, env: Record<string, string>, flags: string[] = []): Promise<Server> {
  const port = await freePort()
  const args = [...flags, '--conditions=keygate-source', '--import', 'tsx', script]
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit']
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  while (!(await fetch(`${url}/healthz`).then(() => true, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${script} did not start`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}

export function startGateway (env: Record<string, string>): Promise<Server> {
  return start(`${ROOT}/apps/gateway`, 'src/server.ts', { KEYGATE_BOOTSTRAP_ADMIN: 'false', ...env })
}

export function startService (env: Record<string, string>): Promise<Server> {
  return start(`${ROOT}/bench`, 'servers/service.ts', env, ['--expose-gc'])
}

/** `size` verifiers in one process (fan-out): each its own Redis connections and heartbeat. */
export function startFleet (size: number, env: Record<string, string>): Promise<Server> {
  return start(`${ROOT}/bench`, 'servers/fleet.ts', { ...env, FLEET_SIZE: String(size) })
}

/** A peer the figures are compared with: servers/peer-verifier.ts (PEER=…) or servers/oidc-provider.ts. */
export function startPeer (script: 'peer-verifier' | 'oidc-provider', env: Record<string, string>): Promise<Server> {
  return start(`${ROOT}/bench`, `servers/${script}.ts`, env)
}

export function startHello (): Promise<Server> {
  return start(`${ROOT}/bench`, 'servers/hello.ts', {})
}

export async function rss (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}
