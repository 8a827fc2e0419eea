// Instructions a server's main thread executes per request, counted by valgrind's callgrind. A rate or a
// CPU time moves with whatever else the machine runs (±5–20 % between two starts of one server here);
// an instruction count does not, though it can move with the process's start (before the gateway kept
// nextTick's fast path, see its tick-shape.ts, it counted 142–147 k in six starts here, 118 k in one).
// What it leaves out: the kernel's side (system calls, waking the load generator) and other threads.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadResult } from './load.ts'
import type { Server, Wrapper } from './processes.ts'

/** Whether valgrind can run here. */
export function callgrindAvailable (): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Runs a server under callgrind, one profile file per thread, in a directory of its own. */
export function callgrindWrapper (): Wrapper & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-callgrind-'))
  return {
    dir,
    command: 'valgrind',
    // A Node server starts some fifty times slower under callgrind.
    startupMs: 300_000,
    args: ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${dir}/callgrind.%p`, `--log-file=${dir}/valgrind.%p.log`]
  }
}

function mainThreadDumps (dir: string, pid: number): string[] {
  return readdirSync(dir).filter((f) => f.startsWith(`callgrind.${pid}.`) && f.endsWith('-01'))
}

/** Main-thread instructions of `server` per request of `run`: counters zeroed before, dumped after. */
export async function instructionsPerRequest (server: Server, dir: string, run: () => Promise<LoadResult>): Promise<number> {
  const before = new Set(mainThreadDumps(dir, server.pid))
  execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'ignore' })
  const result = await run()
  execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' })
  const deadline = Date.now() + 30_000
  // A dump is complete once its last line, `totals:`, is there; `summary:` near its top is the count.
  let text = ''
  while (!/^totals: /m.test(text)) {
    if (Date.now() > deadline) throw new Error(`no complete callgrind dump from ${server.pid}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const dump = mainThreadDumps(dir, server.pid).find((f) => !before.has(f))
    text = dump === undefined ? '' : readFileSync(join(dir, dump), 'utf8')
  }
  const summary = /^summary: (\d+)/m.exec(text)
  if (!summary || result.requests === 0) throw new Error(`no instruction count from ${server.pid}`)
  return Number(summary[1]) / result.requests
}
