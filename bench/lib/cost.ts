// What a load run costs the server, read from Linux's /proc: CPU time per request, and interrupts between
// CPUs per request. On a VM, waking the load generator's thread on the other CPU is such an interrupt and a
// costly one, and a slower server leaves the load generator asleep more often: a flood's rate on loopback
// depends on both figures, not on the server's own CPU time alone.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import type { LoadResult } from './load.ts'

export interface RunCost {
  /** User and system time of the server's process per request, in microseconds. */
  cpuUsPerRequest: number
  /** Rescheduling and function-call interrupts (RES, CAL) per request, over all CPUs; null off Linux. */
  crossCpuInterruptsPerRequest: number | null
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

async function cpuTicks (pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  if (stat === null) return null
  // The command name may hold spaces: the fields after it are counted from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

async function crossCpuInterrupts (): Promise<number | null> {
  const text = await readFile('/proc/interrupts', 'utf8').catch(() => null)
  if (text === null) return null
  let total = 0
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/)
    if (cells[0] !== 'RES:' && cells[0] !== 'CAL:') continue
    for (const cell of cells.slice(1)) {
      if (!/^\d+$/.test(cell)) break
      total += Number(cell)
    }
  }
  return total
}

/** Runs `run` against the server `pid` and reports what each of its requests cost; null off Linux. */
export async function measureCost (pid: number, run: () => Promise<LoadResult>): Promise<RunCost | null> {
  const [ticksBefore, interruptsBefore] = await Promise.all([cpuTicks(pid), crossCpuInterrupts()])
  const result = await run()
  const [ticksAfter, interruptsAfter] = await Promise.all([cpuTicks(pid), crossCpuInterrupts()])
  if (ticksBefore === null || ticksAfter === null || result.requests === 0) return null
  const perRequest = (n: number): number => n / result.requests
  return {
    cpuUsPerRequest: perRequest((ticksAfter - ticksBefore) / TICKS_PER_SECOND * 1e6),
    crossCpuInterruptsPerRequest: interruptsBefore === null || interruptsAfter === null ? null : perRequest(interruptsAfter - interruptsBefore)
  }
}
