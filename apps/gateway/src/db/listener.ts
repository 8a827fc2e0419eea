// LISTEN on Postgres channels from a connection of the pool's own, kept up across outages: a lost
// connection is replaced, and every channel's handler runs once after each (re)connect, since whatever
// was notified meanwhile is lost.
import type pg from 'pg'

export interface NotificationListener {
  stop (): Promise<void>
}

export interface ListenerOptions {
  pool: pg.Pool
  /** Channel → what to do on a notification (and after each reconnect). */
  handlers: Record<string, () => void>
  onError: (err: unknown) => void
  retryMs?: number
}

export function listenForNotifications ({ pool, handlers, onError, retryMs = 1_000 }: ListenerOptions): NotificationListener {
  let client: pg.PoolClient | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  function retry (): void {
    if (stopped) return
    timer = setTimeout(() => { connect().catch(onError) }, retryMs)
    timer.unref()
  }

  function drop (err: unknown): void {
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
    next.on('notification', (message) => handlers[message.channel]?.())
    try {
      for (const channel of Object.keys(handlers)) await next.query(`LISTEN ${channel}`)
    } catch (err) {
      drop(err)
      return
    }
    for (const handle of Object.values(handlers)) handle()
  }

  connect().catch(onError)

  return {
    async stop () {
      stopped = true
      clearTimeout(timer)
      client?.release(true)
      client = undefined
    }
  }
}
