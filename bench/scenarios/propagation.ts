// 6. Revocation propagation: revoke → refused at two verifiers, over many revocations: p50 and p99.
//    6a revokes API keys; 6b revokes signing keys (a fresh key signs after each one).
//    6c fan-out: revoke → applied by every one of 1, 20 and 100 verifiers (the gateway's own report).
import { setTimeout as sleep } from 'node:timers/promises'
import { type Row, row } from '../lib/report.ts'

/** One revocation to make: a token that works now, the admin path that revokes it, and an admin token to call it with. */
export interface Victim { token: string, revokePath: string, adminToken: string }

export interface PropagationInput {
  scenario: string
  gatewayUrl: string
  serviceUrls: string[]
  rounds: number
  /** The victim of round `i`, made just before it is revoked. */
  victim: (i: number) => Promise<Victim>
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

async function status (serviceUrl: string, token: string): Promise<number> {
  const res = await fetch(`${serviceUrl}/protected`, { headers: { authorization: `Bearer ${token}` } })
  await res.body?.cancel()
  return res.status
}

// Polled every millisecond, not in a tight loop: on two cores a tight loop would take the CPU the gateway,
// Redis and the verifiers need to deliver the revocation, and measure itself.
async function refusedAt (serviceUrl: string, token: string, deadline: number): Promise<number> {
  while (await status(serviceUrl, token) !== 401) {
    if (performance.now() > deadline) throw new Error('revocation did not arrive within 5 s')
    await sleep(1)
  }
  return performance.now()
}

/**
 * From the revoke request leaving to the last verifier refusing the token; and from the admin answer to
 * it (0 when every verifier refused before the answer came).
 */
export async function revocationPropagation (input: PropagationInput): Promise<Row[]> {
  const samples: number[] = []
  const afterAnswer: number[] = []
  for (let i = 0; i < input.rounds; i++) {
    const victim = await input.victim(i)
    for (const url of input.serviceUrls) {
      const before = await status(url, victim.token)
      if (before !== 200) throw new Error(`token refused before its revocation: ${before}`)
    }
    const start = performance.now()
    const revoke = fetch(`${input.gatewayUrl}${victim.revokePath}`, { method: 'POST', headers: { authorization: `Bearer ${victim.adminToken}` } })
      .then((answer) => ({ answer, at: performance.now() }))
    const refused = await Promise.all(input.serviceUrls.map((url) => refusedAt(url, victim.token, start + 5_000)))
    const { answer, at } = await revoke
    if (answer.status !== 200) throw new Error(`revoke answered ${answer.status}: ${await answer.text()}`)
    await answer.body?.cancel()
    samples.push(Math.max(...refused) - start)
    afterAnswer.push(Math.max(0, Math.max(...refused) - at))
  }
  const sorted = samples.slice().sort((a, b) => a - b)
  const sortedAfter = afterAnswer.slice().sort((a, b) => a - b)
  const raw = { revocations: samples.length, verifiers: input.serviceUrls.length, minMs: sorted[0], maxMs: sorted.at(-1), afterAnswerMaxMs: sortedAfter.at(-1) }
  return [
    row(input.scenario, 'p50 ms', percentile(sorted, 0.5), null, { op: '<=', bound: 50, of: 'value' }, raw),
    row(input.scenario, 'p99 ms', percentile(sorted, 0.99), null, { op: '<=', bound: 50, of: 'value' }, raw),
    row(input.scenario, 'p99 ms after the answer', percentile(sortedAfter, 0.99), null, { op: '<=', bound: 50, of: 'value' }, raw)
  ]
}

/**
 * From the revoke request leaving to its answer with `?wait=true`: the gateway answers once every live
 * verifier reports the revocation applied. `keyIds` are revoked one per round; every answer must say so.
 */
export async function fanOut (input: { gatewayUrl: string, adminToken: string, verifiers: number, keyIds: string[] }): Promise<Row[]> {
  const samples: number[] = []
  for (const keyId of input.keyIds) {
    const start = performance.now()
    const answer = await fetch(`${input.gatewayUrl}/admin/keys/${keyId}/revoke?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${input.adminToken}` } })
    const body = await answer.json() as { propagated?: { applied: number, live: number, complete: boolean } }
    const elapsed = performance.now() - start
    if (answer.status !== 200 || body.propagated?.complete !== true || body.propagated.applied !== input.verifiers) {
      throw new Error(`fan-out to ${input.verifiers}: ${answer.status} ${JSON.stringify(body.propagated)}`)
    }
    samples.push(elapsed)
  }
  const sorted = samples.slice().sort((a, b) => a - b)
  const scenario = `6c fan-out ${input.verifiers}`
  const raw = { revocations: samples.length, verifiers: input.verifiers, maxMs: sorted.at(-1) }
  return [
    row(scenario, 'p50 ms to all applied', percentile(sorted, 0.5), null, { op: '<=', bound: 50, of: 'value' }, raw),
    row(scenario, 'p99 ms to all applied', percentile(sorted, 0.99), null, { op: '<=', bound: 50, of: 'value' }, raw)
  ]
}
