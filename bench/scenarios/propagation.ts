// 6. Revocation propagation: revoke → refused at two verifiers, over many revocations: p50 and p99.
import { type Row, row } from '../lib/report.ts'

export interface PropagationInput {
  gatewayUrl: string
  adminToken: string
  serviceUrls: string[]
  /** keyId and a token of that key, one per revocation */
  victims: Array<{ keyId: string, token: string }>
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

async function refusedAt (serviceUrl: string, token: string, deadline: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${serviceUrl}/protected`, { headers: { authorization: `Bearer ${token}` } })
    await res.body?.cancel()
    if (res.status === 401) return performance.now()
    if (performance.now() > deadline) throw new Error('revocation did not arrive within 5 s')
  }
}

export async function revocationPropagation (input: PropagationInput): Promise<Row[]> {
  const samples: number[] = []
  for (const victim of input.victims) {
    for (const url of input.serviceUrls) {
      const res = await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${victim.token}` } })
      await res.body?.cancel()
      if (res.status !== 200) throw new Error(`token refused before its revocation: ${res.status}`)
    }
    const start = performance.now()
    const revoke = fetch(`${input.gatewayUrl}/admin/keys/${victim.keyId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${input.adminToken}` } })
    const refused = await Promise.all(input.serviceUrls.map((url) => refusedAt(url, victim.token, start + 5_000)))
    const answer = await revoke
    if (answer.status !== 200) throw new Error(`revoke answered ${answer.status}`)
    await answer.body?.cancel()
    samples.push(Math.max(...refused) - start)
  }
  const sorted = samples.slice().sort((a, b) => a - b)
  const raw = { revocations: samples.length, verifiers: input.serviceUrls.length, minMs: sorted[0], maxMs: sorted.at(-1) }
  return [
    row('6 revocation propagation', 'p50 ms', percentile(sorted, 0.5), null, { op: '<=', bound: 50, of: 'value' }, raw),
    row('6 revocation propagation', 'p99 ms', percentile(sorted, 0.99), null, { op: '<=', bound: 50, of: 'value' }, raw)
  ]
}
