// Per-request logging that costs nothing until a line is written: a request's child logger is made at its
// first line at an enabled level, and a request leaves one line when it ends (Fastify's default is two),
// its figures handed to the metrics at the same place.
// Under a flood of bad keys at LOG_LEVEL=warn, making a pino child per request was a fifth of a refusal.
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>
type MakeChild = (this: Logger, bindings: Bindings, options?: ChildLoggerOptions) => FastifyBaseLogger

/** A pino logger. */
interface Logger extends FastifyBaseLogger {
  isLevelEnabled (level: string): boolean
}

export class LazyRequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  readonly #makeChild: MakeChild
  #child: FastifyBaseLogger | undefined

  constructor (parent: Logger, bindings: Bindings, makeChild: MakeChild) {
    this.#parent = parent
    this.#bindings = bindings
    this.#makeChild = makeChild
  }

  isLevelEnabled (level: string): boolean {
    return (this.#child as Logger | undefined ?? this.#parent).isLevelEnabled(level)
  }

  get level (): string {
    return this.#child?.level ?? this.#parent.level
  }

  set level (level: string) {
    this.#logger().level = level
  }

  fatal (...args: unknown[]): void { this.#write('fatal', args) }
  error (...args: unknown[]): void { this.#write('error', args) }
  warn (...args: unknown[]): void { this.#write('warn', args) }
  info (...args: unknown[]): void { this.#write('info', args) }
  debug (...args: unknown[]): void { this.#write('debug', args) }
  trace (...args: unknown[]): void { this.#write('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options)
  }

  #logger (): FastifyBaseLogger {
    const child = this.#child ?? this.#makeChild.call(this.#parent, this.#bindings)
    this.#child = child
    return child
  }

  #write (level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return
    const logger = this.#logger()
    const log = logger[level] as (...a: unknown[]) => void
    log.apply(logger, args)
  }
}

/**
 * Makes the children of `root` that only add bindings (a request's: Fastify asks for one per request) lazy,
 * and so theirs, since a pino child inherits its parent's child(). Done on the logger rather than in a
 * childLoggerFactory because Fastify checks every logger a custom factory returns, on every request.
 */
export function withLazyChildren<L extends Logger> (root: L): L {
  const makeChild = root.child as MakeChild
  root.child = function (this: Logger, bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    for (const option in options) {
      if (options[option as keyof ChildLoggerOptions] !== undefined) return makeChild.call(this, bindings, options)
    }
    return new LazyRequestLogger(this, bindings, makeChild)
  }
  return root
}

/** Whether `logger` writes lines at `level` (true when it cannot tell). */
export function enabled (logger: FastifyBaseLogger, level: Level): boolean {
  const check = (logger as Partial<Logger>).isLevelEnabled
  return check === undefined || check.call(logger, level)
}

/** Told of every response once it is sent, with its duration in seconds. */
export type CompletionObserver = (request: FastifyRequest, reply: FastifyReply, seconds: number) => void

/**
 * Where a request ends: one log line (method, URL, client, status, time) and the same figures to the
 * observers (the metrics). Fastify calls it once per response, so the figures cost no onResponse hook.
 */
export class RequestCompletion extends LogController {
  readonly #observers: CompletionObserver[] = []

  observe (observer: CompletionObserver): void {
    this.#observers.push(observer)
  }

  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = reply.elapsedTime
    for (const observer of this.#observers) observer(request, reply, responseTime / 1000)
    if (this.isLogDisabled(request)) return
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored')
    else if (enabled(reply.log, 'info')) reply.log.info({ req: request, res: reply, responseTime }, 'request completed')
  }
}
