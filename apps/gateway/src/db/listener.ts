// LISTEN on Postgres channels from a connection of the pool's own, kept up across outages: a lost
// connection is replaced, and every channel's handler runs once after each (re)connect, with no payload,
// since whatever was notified meanwhile is lost.
import type pg from 'pg'

export interface NotificationListener {
  stop (): Promise<void>
}

export interface ListenerOptions {
  pool: pg.Pool
  /** Channel → what to do on a notification (its payload), and after each (re)connect (undefined). */
  handlers: Record<string, (payload: string | undefined) => void>
  /** Told when notifications stop being heard: the connection was lost (until the next connect), or stopped. */
  onInterrupted?: () => void
  onError: (err: unknown) => void
  retryMs?: number
}

export function listenForNotifications ({ pool, handlers, onInterrupted, onError, retryMs = 1_000 }: ListenerOptions): NotificationListener {
  let client: pg.PoolClient | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  // The connect in flight, which stop() waits for: no connection is left checked out of the pool.
  let connecting: Promise<void> | undefined

  function start (): void {
    connecting = connect().catch(onError).finally(() => { connecting = undefined })
  }

  function retry (): void {
    if (stopped) return
    timer = setTimeout(start, retryMs)
    timer.unref()
  }

  function drop (err: unknown): void {
    onInterrupted?.()
    onError(err)
    client?.release(true)
    client = undefined
    retry()
  }

  async function connect (): Promise<void> {
    let next: pg.PoolClient
    try {
      next = await pool.connect()
    } catch (err) {
      onError(err)
      retry()
      return
    }
    if (stopped) {
      next.release(true)
      return
    }
    client = next
    next.on('error', (err) => { if (client === next) drop(err) })
    next.on('end', () => { if (client === next) drop(new Error('notification connection ended')) })
    next.on('notification', (message) => handlers[message.channel]?.(message.payload))
    try {
      for (const channel of Object.keys(handlers)) await next.query(`LISTEN ${channel}`)
    } catch (err) {
      // The connection's own 'error' may have dropped it already: drop once, retry once.
      if (client === next) drop(err)
      return
    }
    if (stopped) return
    for (const handle of Object.values(handlers)) handle(undefined)
  }

  start()

  return {
    async stop () {
      stopped = true
      clearTimeout(timer)
      await connecting
      onInterrupted?.()
      client?.release(true)
      client = undefined
    }
  }
}
