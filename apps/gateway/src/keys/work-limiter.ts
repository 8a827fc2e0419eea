// Bounds expensive work (Argon2): at most `concurrency` jobs run, at most `maxQueue` wait; the rest are refused.
import { errors } from '../errors.ts'

export interface WorkLimiter {
  run<T> (job: () => Promise<T>): Promise<T>
  readonly active: number
  readonly queued: number
}

export function createWorkLimiter (concurrency: number, maxQueue: number): WorkLimiter {
  let active = 0
  const waiting: Array<() => void> = []

  const release = (): void => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }

  return {
    get active () { return active },
    get queued () { return waiting.length },
    async run (job) {
      if (active >= concurrency) {
        if (waiting.length >= maxQueue) throw new errors.KG_ERR_OVERLOADED()
        // The slot is handed over by release(): `active` stays counted for the waiter.
        await new Promise<void>((resolve) => waiting.push(resolve))
      } else {
        active++
      }
      try {
        return await job()
      } finally {
        release()
      }
    }
  }
}
