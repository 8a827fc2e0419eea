// A private redis-server on a free port: for runs without REDIS_URL, and for tests that stop Redis on purpose.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RedisServer {
  url: string
  port: number
  stop (): Promise<void>
}

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}

/** Starts `redis-server` (no persistence, plus `extraArgs`) and resolves once it accepts connections. */
export async function startRedisServer (port?: number, extraArgs: string[] = []): Promise<RedisServer> {
  const chosen = port ?? await freePort()
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
  const ready = new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
    child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('Ready to accept connections')) resolve() })
  })
  await Promise.race([ready, sleep(10_000).then(() => { throw new Error('redis-server did not start in 10 s') })])
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    async stop () {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}
