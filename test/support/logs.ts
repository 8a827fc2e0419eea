// Captures a gateway's log lines in memory, so that tests can read what it logged.
import { Writable } from 'node:stream'

export class LogCapture extends Writable {
  readonly lines: string[] = []

  override _write (chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line.length > 0) this.lines.push(line)
    done()
  }

  get text (): string {
    return this.lines.join('\n')
  }

  records (): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  }
}
