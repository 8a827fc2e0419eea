// Fixed-window counters for rate limits: in Redis when configured, so that every replica counts together;
// in this process when there is no Redis, or while it cannot answer (each replica then counts alone, and
// hands back to Redis as soon as it answers again). One round trip per count.
import type { RedisClient } from '@keygate/verifier'

export interface Verdict {
  /** Whether the count, this one included, is within the limit. */
  allowed: boolean
  /** Seconds until the window ends (at least 1). */
  retryAfter: number
}

export interface LimitCounter {
  /** Counts one for `subject` under `name` and says whether it is within `max` per window. */
  hit (name: string, subject: string, max: number): Promise<Verdict>
  /** Takes back one count of `subject` under `name` in the current window (none when the window has ended). */
  release (name: string, subject: string): Promise<void>
  /** True while counts are kept in this process because Redis cannot answer. */
  readonly degraded: boolean
}

export interface LimitCounterOptions {
  /** Absent: counts are kept in this process. */
  redis?: RedisClient | undefined
  prefix: string
  windowMs?: number
  /** Told when counting moves to this process, and back to Redis. */
  onDegraded?: (degraded: boolean, err?: unknown) => void
  /** Largest number of local counters kept; the oldest go first. */
  maxLocalEntries?: number
  now?: () => number
}

interface Window { count: number, resetAt: number }

/** `count` (this one included) against `max`, with the seconds left in the window (at least 1). */
export function verdictOf (count: number, max: number, msLeft: number): Verdict {
  return { allowed: count <= max, retryAfter: Math.max(1, Math.ceil(msLeft / 1000)) }
}

// A decrement that never outlives the window: a count that has expired is not brought back as -1.
const RELEASE_SCRIPT = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0"

export function createLimitCounter (options: LimitCounterOptions): LimitCounter {
  const windowMs = options.windowMs ?? 60_000
  const now = options.now ?? Date.now
  const maxLocal = options.maxLocalEntries ?? 100_000
  const local = new Map<string, Window>()
  let degraded = false

  const keyOf = (name: string, subject: string): string => `${options.prefix}limit:${name}:${subject}`

  function setDegraded (next: boolean, err?: unknown): void {
    if (degraded === next) return
    degraded = next
    options.onDegraded?.(next, err)
  }

  function localWindow (key: string): Window {
    const t = now()
    let w = local.get(key)
    if (w === undefined || w.resetAt <= t) {
      local.delete(key)
      if (local.size >= maxLocal) local.delete(local.keys().next().value as string)
      w = { count: 0, resetAt: t + windowMs }
      local.set(key, w)
    }
    return w
  }

  async function viaRedis (key: string): Promise<{ count: number, msLeft: number } | undefined> {
    const redis = options.redis
    if (redis === undefined) return undefined
    if (redis.status !== 'ready') {
      setDegraded(true, new Error(`redis is ${redis.status}`))
      return undefined
    }
    try {
      const replies = await redis.multi().incr(key).pexpire(key, windowMs, 'NX').pttl(key).exec()
      if (!replies) throw new Error('transaction aborted')
      for (const [err] of replies) if (err) throw err
      setDegraded(false)
      const value = Number(replies[0]?.[1] ?? 0)
      const ttl = Number(replies.at(-1)?.[1] ?? windowMs)
      return { count: value, msLeft: ttl > 0 ? ttl : windowMs }
    } catch (err) {
      setDegraded(true, err)
      return undefined
    }
  }

  return {
    get degraded () { return degraded },
    async hit (name, subject, max) {
      const key = keyOf(name, subject)
      const shared = await viaRedis(key)
      if (shared) return verdictOf(shared.count, max, shared.msLeft)
      const w = localWindow(key)
      w.count++
      return verdictOf(w.count, max, w.resetAt - now())
    },
    async release (name, subject) {
      const key = keyOf(name, subject)
      const redis = options.redis
      if (redis !== undefined && redis.status === 'ready') {
        try {
          await redis.eval(RELEASE_SCRIPT, 1, key)
          return
        } catch (err) {
          setDegraded(true, err)
        }
      }
      const w = local.get(key)
      if (w !== undefined && w.count > 0) w.count--
    },
  }
}
