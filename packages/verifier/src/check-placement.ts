// Where a new token's signature is checked. On the event loop it costs least and answers soonest; on
// libuv's thread pool it costs more CPU (a thread woken and the answer handed back) but lets another core
// check while the loop serves other requests. That buys throughput only when the loop is saturated and
// the checks are a part of its work, not nearly all of it: an HTTP service verifying new tokens (half
// its loop's time goes to HTTP) gains the other core; a batch of checks with little else around them
// would only move the bottleneck to the pool, at more CPU per check. So, judged once per window from the
// loop's utilisation (perf_hooks) and the time inline checks took, with no timer:
// - to the pool when the loop was saturated and the checks were at most MAX_SHARE of its busy time;
// - back to the loop when, with the checks brought back (at what they cost inline), the loop would have
//   time to spare, or the checks would be nearly all it does.
// With one core there is nowhere else to check: always on the loop.
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'

/** Utilisation of the event loop (0–1) since the previous call. */
export type UtilizationSampler = () => number

export interface CheckPlacement {
  /** Runs a check on the loop (timed: what checks cost inline is learnt) or hands it to the thread pool. */
  check<T> (onLoop: () => T, onPool: () => Promise<T>): T | Promise<T>
  readonly mode: 'loop' | 'pool'
}

export interface CheckPlacementOptions {
  sampler?: UtilizationSampler
  /** A clock in ms, for windows and for timing inline checks. */
  now?: () => number
  /** CPUs this process may use; default os.availableParallelism(). */
  parallelism?: number
}

const WINDOW_MS = 100
// The loop is saturated above this.
const SATURATED = 0.9
// Back on the loop when, with the checks brought back, it would be busy less than this.
const SPARE = 0.75
// Checks above this share of the loop's busy time are nearly all its work: the pool would not help.
const MAX_SHARE = 0.7

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
  const now = options.now ?? (() => performance.now())
  const canPool = (options.parallelism ?? availableParallelism()) > 1
  let mode: 'loop' | 'pool' = 'loop'
  let windowStart = now()
  // This window's checks, and the ms those on the loop took.
  let checks = 0
  let inlineMs = 0
  // What one check costs on the loop, ms: the mean of the last window that checked inline.
  let checkMs: number | undefined

  function judge (t: number): void {
    const windowMs = t - windowStart
    const busyMs = sample() * windowMs
    if (mode === 'loop') {
      if (checks > 0) checkMs = inlineMs / checks
      if (canPool && busyMs >= SATURATED * windowMs && inlineMs <= MAX_SHARE * busyMs) mode = 'pool'
    } else {
      // The loop's time had it checked this window's checks itself.
      const checksMs = checks * (checkMs ?? 0)
      const wouldBeBusyMs = busyMs + checksMs
      if (wouldBeBusyMs < SPARE * windowMs || checksMs > MAX_SHARE * wouldBeBusyMs) mode = 'loop'
    }
    checks = 0
    inlineMs = 0
    windowStart = t
  }

  return {
    get mode () { return mode },
    check (onLoop, onPool) {
      const t = now()
      if (t - windowStart >= WINDOW_MS) judge(t)
      checks++
      if (mode === 'pool') return onPool()
      const result = onLoop()
      inlineMs += now() - t
      return result
    }
  }
}
