import { EventEmitter } from 'node:events'
import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { listenForNotifications } from './listener.ts'

// A pool whose connections all fail their LISTEN the way a dying connection does: an 'error' event, then the query's rejection.
function failingPool () {
  const counts = { connected: 0, released: 0 }
  const pool = {
    async connect () {
      counts.connected++
      const client = Object.assign(new EventEmitter(), {
        async query () {
          client.emit('error', new Error('connection lost'))
          throw new Error('connection lost')
        },
        release () { counts.released++ }
      })
      return client
    }
  }
  return { pool: pool as unknown as pg.Pool, counts }
}

describe('listenForNotifications', () => {
  it('retries a connection that dies during LISTEN once, and leaves no connection checked out when stopped', async () => {
    const { pool, counts } = failingPool()
    let interrupted = 0
    const listener = listenForNotifications({ pool, handlers: { ch: () => {} }, onInterrupted: () => { interrupted++ }, onError: () => {}, retryMs: 5 })
    await new Promise((resolve) => setTimeout(resolve, 60))
    await listener.stop()
    // One connection at a time: each failure schedules one retry, so the count grows by one per retry, not doubling.
    expect(counts.connected).toBeLessThan(30)
    expect(counts.released).toBe(counts.connected)
    expect(interrupted).toBeGreaterThan(0)
  })
})
