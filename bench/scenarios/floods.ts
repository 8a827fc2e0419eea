// 5. Floods: malformed keys vs an unauthenticated route; a wrong-secret flood for a real keyId while health
//    is measured and a legitimate caller (another address, another key) exchanges.
import { request } from 'node:http'
import { type RunCost, measureCost } from '../lib/cost.ts'
import { type LoadResult, load } from '../lib/load.ts'
import type { Server } from '../lib/processes.ts'
import { type Round, alternate, medianRound, roundSeconds, summary } from '../lib/rounds.ts'
import { type Row, reference, row } from '../lib/report.ts'

const MALFORMED = 'grant_type=client_credentials&client_secret=kg_live_notAKey_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'

/** The malformed-key POST, for a time or a number of requests. */
function post (url: string, run: { seconds: number } | { amount: number }, connections = 50): Promise<LoadResult> {
  return load({ url, method: 'POST', connections, ...run, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: MALFORMED })
}

/** Fails the run when `url` answered any status other than `statuses`. */
function answeredOnly (url: string, result: LoadResult, statuses: string[]): LoadResult {
  if (Object.keys(result.statusCodes).some((c) => !statuses.includes(c))) throw new Error(`${url} answered ${JSON.stringify(result.statusCodes)}`)
  return result
}

async function refusals (url: string, seconds: number): Promise<LoadResult> {
  return answeredOnly(url, await post(url, { seconds }), ['401', '429'])
}

export interface FloodServers { gateway: Server, hello: Server }

/** How the flood's servers come and go: each start is a fresh set of processes. */
export interface FloodServerStarts {
  start: () => Promise<FloodServers>
  stop: (servers: Server[]) => Promise<void>
}

// A process's speed is partly settled at its start: the rounds are spread over several starts of each server.
const STARTS = 3
const ROUNDS_PER_START = 3

/**
 * The refusal rate of malformed keys, reported with no target: the baseline is a hello route receiving the
 * very same request (a POST with this form body). The GET figures of the hello and the gateway are kept
 * too, and what one more round costs each server per request (on the last start): its CPU time, and the
 * interrupts between CPUs (see ../lib/cost.ts).
 */
export async function malformedFlood (starts: FloodServerStarts, seconds: number): Promise<Row[]> {
  const each = roundSeconds(seconds)
  const gatewayRounds: Round[] = []
  let extra: { getHelloRps: number, getGatewayHealthzRps: number, cost: Record<'hello' | 'gateway', RunCost | null> } | undefined
  for (let i = 0; i < STARTS; i++) {
    const servers = await starts.start()
    try {
      const [gatewayUrl, helloUrl] = [servers.gateway.url, servers.hello.url]
      // Every server is measured warm: the JIT has compiled the path under test before the clock starts.
      await post(`${helloUrl}/hello`, { seconds: 2 })
      await post(`${gatewayUrl}/oauth/token`, { seconds: 2 })
      const hello = (): Promise<LoadResult> => post(`${helloUrl}/hello`, { seconds: each })
      gatewayRounds.push(...(await alternate(hello, () => refusals(`${gatewayUrl}/oauth/token`, each), ROUNDS_PER_START)).rounds)
      if (i === STARTS - 1) {
        extra = {
          getHelloRps: (await load({ url: `${helloUrl}/healthz`, connections: 50, seconds: each })).rps,
          getGatewayHealthzRps: (await load({ url: `${gatewayUrl}/healthz`, connections: 50, seconds: each })).rps,
          cost: {
            hello: await measureCost(servers.hello.pid, hello),
            gateway: await measureCost(servers.gateway.pid, () => refusals(`${gatewayUrl}/oauth/token`, each))
          }
        }
      }
    } finally {
      await starts.stop(Object.values(servers))
    }
  }
  const median = medianRound(gatewayRounds)
  return [
    reference('5a flood malformed', 'rejections/s', median.subject.rps, median.baseline, {
      starts: STARTS,
      rounds: summary(gatewayRounds),
      getHelloRps: extra?.getHelloRps,
      getGatewayHealthzRps: extra?.getGatewayHealthzRps
    }),
    ...(extra ? costRows(extra.cost) : [])
  ]
}

/** The gateway's cost per refusal against the hello's per request, where /proc can tell. */
function costRows (cost: Record<'hello' | 'gateway', RunCost | null>): Row[] {
  const { hello, gateway } = cost
  if (hello === null || gateway === null) return []
  const rows = [reference('5a cost per request', 'server CPU µs', gateway.cpuUsPerRequest, hello.cpuUsPerRequest, cost)]
  if (gateway.crossCpuInterruptsPerRequest !== null && hello.crossCpuInterruptsPerRequest !== null) {
    rows.push(reference('5a cost per request', 'cross-CPU interrupts', gateway.crossCpuInterruptsPerRequest, hello.crossCpuInterruptsPerRequest, cost))
  }
  return rows
}

// An exchange from another loopback address (127.0.0.2): the flood's address limit is not the caller's.
function exchangeFrom (gatewayUrl: string, apiKey: string, localAddress: string): Promise<{ status: number, ms: number }> {
  const url = new URL(`${gatewayUrl}/oauth/token`)
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_secret: apiKey }).toString()
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

export async function wrongSecretFlood (gatewayUrl: string, wrongKey: string, legitKey: string, seconds: number): Promise<Row[]> {
  const flood = load({
    url: `${gatewayUrl}/oauth/token`,
    method: 'POST',
    connections: 50,
    seconds,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: wrongKey }).toString()
  })
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const health = load({ url: `${gatewayUrl}/healthz`, connections: 1, seconds: seconds - 2 })
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const legit = await exchangeFrom(gatewayUrl, legitKey, '127.0.0.2')
  const [floodResult, healthResult] = await Promise.all([flood, health])
  return [
    row('5b flood wrong secret', 'healthz p99 ms', healthResult.p99, null, { op: '<=', bound: 50, of: 'value' }, { health: healthResult, flood: floodResult }),
    row('5b flood wrong secret', 'legit exchange ms', legit.status === 200 ? legit.ms : Number.POSITIVE_INFINITY, null, { op: '<=', bound: 1000, of: 'value' }, { status: legit.status })
  ]
}
