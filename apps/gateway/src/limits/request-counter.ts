// Request limits decided without waiting on Redis: each replica counts its own requests as they come, and
// every `syncMs` sends what it counted since (INCRBY, one script per subject) and learns the total every
// replica has counted in the window, which its next verdicts add to. Within one replica a limit is exact;
// across replicas a flood can pass it by what the other replicas admitted in one interval (100 ms).
// That is the price of no round trip per request, paid only by request limits: failed verifications,
// which must stay within their limit under a concurrent burst, are counted by limits/counter.ts.
// Without Redis, or while it cannot answer, each replica counts alone, and adds to Redis again once it can.
import type { RedisClient } from '@keygate/verifier'
import { type Verdict, verdictOf } from './counter.ts'

export interface RequestCounter {
  /** Counts one request of `subject` under `name` and says whether it is within `max` per window. */
  hit (name: string, subject: string, max: number): Verdict
  /** Sends what was counted since the last sync, and learns the shared totals. */
  sync (): Promise<void>
  /** Stops the timer after a last sync. */
  close (): Promise<void>
  /** True while counts are kept in this process because Redis cannot answer. */
  readonly degraded: boolean
}

export interface RequestCounterOptions {
  /** Absent: counts are kept in this process. */
  redis?: RedisClient | undefined
  prefix: string
  windowMs?: number
  syncMs?: number
  /** Told when counting moves to this process, and back to Redis. */
  onDegraded?: (degraded: boolean, err?: unknown) => void
  /** Largest number of subjects counted at once; the oldest go first. */
  maxEntries?: number
  now?: () => number
}

interface Tally {
  resetAt: number
  /** The window's total across replicas, as Redis last answered (this replica's sent counts included). */
  shared: number
  /** Sent, not answered yet. */
  sending: number
  /** Counted here since the last send. */
  unsent: number
}

// One round trip per subject: the count added, the window started if new, its total and time left.
const ADD_SCRIPT = "local n = redis.call('INCRBY', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX') return {n, redis.call('PTTL', KEYS[1])}"

export function createRequestCounter (options: RequestCounterOptions): RequestCounter {
  const windowMs = options.windowMs ?? 60_000
  const now = options.now ?? Date.now
  const maxEntries = options.maxEntries ?? 100_000
  const tallies = new Map<string, Tally>()
  const unsynced = new Set<string>()
  let degraded = false

  function setDegraded (next: boolean, err?: unknown): void {
    if (degraded === next) return
    degraded = next
    options.onDegraded?.(next, err)
  }

  function tallyOf (key: string, t: number): Tally {
    let tally = tallies.get(key)
    if (tally === undefined || tally.resetAt <= t) {
      tallies.delete(key)
      if (tallies.size >= maxEntries) {
        const oldest = tallies.keys().next().value as string
        tallies.delete(oldest)
        unsynced.delete(oldest)
      }
      tally = { resetAt: t + windowMs, shared: 0, sending: 0, unsent: 0 }
      tallies.set(key, tally)
    }
    return tally
  }

  async function send (redis: RedisClient, key: string, tally: Tally): Promise<void> {
    tally.sending = tally.unsent
    tally.unsent = 0
    try {
      const [total, ttl] = await redis.eval(ADD_SCRIPT, 1, key, tally.sending, windowMs) as [number, number]
      tally.shared = total
      if (ttl > 0) tally.resetAt = now() + ttl
      setDegraded(false)
    } catch (err) {
      // Counted here only, as if Redis had never been configured, until it answers again.
      tally.shared += tally.sending
      setDegraded(true, err)
    } finally {
      tally.sending = 0
    }
  }

  async function syncNow (): Promise<void> {
    const redis = options.redis
    if (redis === undefined || unsynced.size === 0) return
    const due = [...unsynced].flatMap((key) => {
      const tally = tallies.get(key)
      return tally === undefined ? [] : [[key, tally] as const]
    })
    unsynced.clear()
    if (redis.status !== 'ready') {
      for (const [, tally] of due) {
        tally.shared += tally.unsent
        tally.unsent = 0
      }
      setDegraded(true, new Error(`redis is ${redis.status}`))
      return
    }
    await Promise.all(due.map(([key, tally]) => send(redis, key, tally)))
  }

  // One sync at a time, in order: an explicit one runs after the one in flight, and sends what came since.
  let queue: Promise<void> = Promise.resolve()
  let queued = 0
  function sync (): Promise<void> {
    queued++
    queue = queue.catch(() => {}).then(syncNow).finally(() => { queued-- })
    return queue
  }

  const timer = options.redis === undefined
    ? undefined
    : setInterval(() => { if (queued === 0) sync().catch((err: unknown) => setDegraded(true, err)) }, options.syncMs ?? 100)
  timer?.unref()

  return {
    get degraded () { return degraded },
    hit (name, subject, max) {
      const key = `${options.prefix}limit:${name}:${subject}`
      const t = now()
      const tally = tallyOf(key, t)
      tally.unsent++
      if (options.redis !== undefined) unsynced.add(key)
      return verdictOf(tally.shared + tally.sending + tally.unsent, max, tally.resetAt - t)
    },
    sync,
    async close () {
      clearInterval(timer)
      await sync()
    }
  }
}
