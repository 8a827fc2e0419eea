// A TCP proxy in front of a real server that cuts a connection at a chosen command, to make a real client
// fail at an exact point (the second page of a load) without mocking it; or that moves to another server, as a
// failover's DNS switch or connection pooler does.
import { type Socket, connect, createServer } from 'node:net'
import { onTestFinished } from 'vitest'

export interface CuttingProxy {
  port: number
  /** From now on, the connection that sends `marker` for the `nth` time is cut before it reaches the server. */
  cutAt (marker: string, nth: number): void
  /** Cuts every open connection and sends the next ones to the server on `port`. */
  switchTo (port: number): void
  /** How many connections have been cut. */
  readonly cuts: number
}

export async function startCuttingProxy (targetPort: number): Promise<CuttingProxy> {
  let armed: { marker: string, remaining: number } | undefined
  let cuts = 0
  const sockets = new Set<Socket>()
  let target = targetPort
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.toString('latin1').toUpperCase().includes(armed.marker)) {
        armed.remaining--
        if (armed.remaining === 0) {
          armed = undefined
          cuts++
          client.destroy()
          upstream.destroy()
          return
        }
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  }))
  return {
    port: (server.address() as { port: number }).port,
    cutAt (marker, nth) { armed = { marker: marker.toUpperCase(), remaining: nth } },
    switchTo (port) {
      target = port
      for (const s of sockets) s.destroy()
    },
    get cuts () { return cuts }
  }
}
