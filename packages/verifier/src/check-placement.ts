// Where a new token's signature is checked. On the event loop it costs least and answers soonest; on
// libuv's thread pool it costs more CPU (a thread woken and the answer handed back, ≈ 50 µs here) but
// lets another core check while the loop serves other requests. So: on the loop while the loop has time
// to spare; on the pool while the loop is saturated and the pool keeps it busy with other work. When the
// loop is left waiting on the pool (nothing else to do, as in a batch of checks), back on the loop for a
// while. Judged once per window from the loop's utilisation (perf_hooks), with no timer.
import { performance } from 'node:perf_hooks'

/** Utilisation of the event loop (0–1) since the previous call. */
export type UtilizationSampler = () => number

export interface CheckPlacement {
  /** Whether this check goes to the thread pool; counts it. */
  onPool (): boolean
  readonly mode: 'loop' | 'pool'
}

export interface CheckPlacementOptions {
  sampler?: UtilizationSampler
  now?: () => number
}

const WINDOW_MS = 100
// The loop is saturated above this: checks move to the pool.
const SATURATED = 0.9
// On the pool, a loop busy less than this had time to spare: checks move back.
const SPARE = 0.75
// Checks in one window that show the loop was waiting on the pool rather than idle: then stay on the loop this long.
const WAITING_CHECKS = 50
const HOLD_MS = 1_000

export function eventLoopSampler (): UtilizationSampler {
  let previous = performance.eventLoopUtilization()
  return () => {
    const current = performance.eventLoopUtilization()
    const { utilization } = performance.eventLoopUtilization(current, previous)
    previous = current
    return utilization
  }
}

export function createCheckPlacement (options: CheckPlacementOptions = {}): CheckPlacement {
  const sample = options.sampler ?? eventLoopSampler()
  const now = options.now ?? Date.now
  let mode: 'loop' | 'pool' = 'loop'
  let windowEnds = now() + WINDOW_MS
  let checks = 0
  let heldUntil = 0

  function judge (t: number): void {
    const busy = sample()
    if (mode === 'loop' && busy >= SATURATED && t >= heldUntil) mode = 'pool'
    else if (mode === 'pool' && busy < SPARE) {
      mode = 'loop'
      if (checks >= WAITING_CHECKS) heldUntil = t + HOLD_MS
    }
    checks = 0
    windowEnds = t + WINDOW_MS
  }

  return {
    get mode () { return mode },
    onPool () {
      const t = now()
      if (t >= windowEnds) judge(t)
      checks++
      return mode === 'pool'
    }
  }
}
