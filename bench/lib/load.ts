// Load from this process (apart from the servers): autocannon runs and their figures.
import autocannon from 'autocannon'

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  requests: number
  non2xx: number
  errors: number
  statusCodes: Record<string, number>
}

export interface LoadOptions {
  url: string
  connections: number
  seconds?: number
  amount?: number
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
  /** A header set per connection: each connection sends its own value, as real callers do. */
  perConnectionHeaders?: Array<Record<string, string>>
  /** A body per request, in order (single-use credentials): give `amount` at most their number. */
  bodies?: string[]
  /** Headers per request, taken in order from a shared source (a fresh token each time); see `nextHeaders`. */
  nextHeaders?: () => Record<string, string>
}

export async function load (options: LoadOptions): Promise<LoadResult> {
  let next = 0
  let nextBody = 0
  const bodies = options.bodies
  const started = performance.now()
  let lastResponse = started
  const opts = {
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    method: options.method ?? 'GET',
    ...(options.body ? { body: options.body } : {}),
    headers: options.headers ?? {},
    ...(bodies
      ? { requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodies[nextBody++ % bodies.length] }) }] }
      : {}),
    ...(options.nextHeaders
      ? { requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, headers: { ...(request.headers as object), ...options.nextHeaders?.() } }) }] }
      : {}),
    ...(options.perConnectionHeaders
      ? {
          requests: [{
            setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
              context.headers ??= options.perConnectionHeaders?.[next++ % (options.perConnectionHeaders?.length ?? 1)]
              return { ...request, headers: { ...(request.headers as object), ...(context.headers as object) } }
            }
          }]
        }
      : {})
  } as autocannon.Options
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(opts, (err: unknown, done: autocannon.Result) => { if (err) reject(err); else resolve(done) })
    // A fixed amount ends with its last response: autocannon itself notices only at its next one-second
    // sample, which would put up to a second of idling into a run of a few seconds.
    if (options.amount) run.on('response', () => { lastResponse = performance.now() })
  })
  const seconds = (lastResponse - started) / 1000
  const statusCodes: Record<string, number> = {}
  for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (n as { count: number }).count
  return {
    // A fixed amount takes a few seconds: its rate is the total over the time to its last response.
    rps: options.amount ? result.requests.total / seconds : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes
  }
}
