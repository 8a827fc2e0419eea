// 8. keygate beside the stacks users would pick instead, in alternating rounds (peer, keygate, peer, …):
// 8a a cached token through Fastify, vs jose, @fastify/jwt + get-jwks, and the same with fast-jwt's cache;
// 8b a new token each request, vs the same peers;
// 8c a warm exchange (the same key again), vs oidc-provider's client_credentials with JWT access tokens.
import { load } from '../lib/load.ts'
import { type Row, row } from '../lib/report.ts'
import { alternate, roundSeconds, summary } from '../lib/rounds.ts'

export interface Verifiers {
  keygate: string
  peers: Record<string, string>
}

const CONNECTIONS = 100

// A run counts only if every request was answered 2xx: errors and timeouts too would shorten a fixed
// amount's time to its last response.
function assertAllOk (name: string, result: { non2xx: number, errors: number, statusCodes: Record<string, number> }): void {
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name} answered ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`)
}

/** 8a: each connection its own token, the same one every request (the cache's case). */
export async function cachedTokenVsPeers (verifiers: Verifiers, tokens: string[], seconds: number): Promise<Row[]> {
  const perConnectionHeaders = tokens.slice(0, CONNECTIONS).map((t) => ({ authorization: `Bearer ${t}` }))
  const run = (name: string, url: string) => async () => {
    const result = await load({ url: `${url}/protected`, connections: CONNECTIONS, seconds: roundSeconds(seconds), perConnectionHeaders })
    assertAllOk(name, result)
    return result
  }
  const rows: Row[] = []
  for (const [peer, url] of Object.entries(verifiers.peers)) {
    await load({ url: `${url}/protected`, connections: CONNECTIONS, seconds: 1, perConnectionHeaders })
    const { median, rounds } = await alternate(run(peer, url), run('keygate', verifiers.keygate))
    rows.push(row(`8a cached token vs ${peer}`, 'req/s protected', median.subject.rps, median.baseline, { op: '>=', bound: 1, of: 'ratio' }, { rounds: summary(rounds) }))
  }
  return rows
}

/** Requests per run of 8b: each run a fixed number, so that the supply of fresh tokens is known ahead. */
export const NEW_TOKEN_REQUESTS = Number(process.env.BENCH_NEW_TOKEN_REQUESTS ?? 15000)

/**
 * 8b: every request a token no server has seen, taken in order from one signed supply of at least
 * NEW_TOKEN_REQUESTS per run (11 runs per peer).
 */
export async function newTokenVsPeers (verifiers: Verifiers, supply: string[]): Promise<Row[]> {
  let next = 0
  // Past the supply, tokens come round again: the count is kept, and a run that reused any is refused below.
  const nextHeaders = () => ({ authorization: `Bearer ${supply[next++ % supply.length] ?? ''}` })
  const run = (name: string, url: string) => async () => {
    const result = await load({ url: `${url}/protected`, connections: CONNECTIONS, amount: NEW_TOKEN_REQUESTS, nextHeaders })
    if (next > supply.length) throw new Error(`8b used ${next} tokens of a supply of ${supply.length}: raise it`)
    assertAllOk(name, result)
    return result
  }
  const rows: Row[] = []
  for (const [peer, url] of Object.entries(verifiers.peers)) {
    const { median, rounds } = await alternate(run(peer, url), run('keygate', verifiers.keygate))
    rows.push(row(`8b new token vs ${peer}`, 'req/s protected', median.subject.rps, median.baseline, { op: '>=', bound: 1, of: 'ratio' }, { rounds: summary(rounds), tokensUsed: next }))
  }
  return rows
}

export interface Exchanges {
  keygate: { url: string, body: string }
  oidcProvider: { url: string, body: string }
}

/** 8c: the same client again and again, a form body with the secret (client_secret_post) on both sides. */
export async function warmExchangeVsOidcProvider (exchanges: Exchanges, seconds: number): Promise<Row> {
  const run = (name: string, target: { url: string, body: string }) => async () => {
    const result = await load({ url: target.url, method: 'POST', connections: 20, seconds: roundSeconds(seconds), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: target.body })
    assertAllOk(name, result)
    return result
  }
  // One unmeasured run each first: both servers' code is compiled and their pools are open before any round counts.
  await run('oidc-provider', exchanges.oidcProvider)()
  await run('keygate', exchanges.keygate)()
  const { median, rounds } = await alternate(run('oidc-provider', exchanges.oidcProvider), run('keygate', exchanges.keygate))
  return row('8c warm exchange vs oidc-provider', 'exchanges/s', median.subject.rps, median.baseline, { op: '>=', bound: 1, of: 'ratio' }, { rounds: summary(rounds) })
}
