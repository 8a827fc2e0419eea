import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from '../support/cluster.ts'

const TRIALS = 300
const PARALLEL = 4
// The exchange starts up to this long before the admin call: a cold exchange (Argon2) takes some 50 ms
// here, so a good part of the trials read the key before the change commits and sign after it is answered.
const LEAD_MS = 80

type Change = 'revoke' | 'disable' | 'owner revoke'

interface Outcome { minted: number, mintedAfterAnswer: number, accepted: string[] }

async function race (cluster: Cluster, change: Change): Promise<Outcome> {
  const keys = await cluster.keys(TRIALS, { scopes: ['orders:read'], owner: (i) => `race-owner-${change.replace(' ', '-')}-${i}` })
  const outcome: Outcome = { minted: 0, mintedAfterAnswer: 0, accepted: [] }
  const [a, b] = cluster.gateways
  const adminCall = (gateway: string, key: { keyId: string, owner: string }): Promise<Response> => {
    const path = change === 'owner revoke' ? `/admin/owners/${key.owner}/revoke` : `/admin/keys/${key.keyId}/${change}`
    return fetch(`${gateway}${path}?wait=true`, { method: 'POST', headers: { authorization: cluster.admin } })
  }

  async function trial (i: number): Promise<void> {
    const key = keys[i] as (typeof keys)[number]
    // The exchange at one gateway, the change at the other.
    const [exchangeAt, changeAt] = i % 2 === 0 ? [a, b] : [b, a]
    const exchange = cluster.exchange(exchangeAt, key.key).then((result) => ({ ...result, at: performance.now() }))
    await sleep(Math.random() * LEAD_MS)
    const answer = await adminCall(changeAt, key)
    const answeredAt = performance.now()
    expect(answer.status, await answer.clone().text()).toBe(200)
    expect((await answer.json() as { propagated?: { applied: number, live: number } }).propagated).toEqual(expect.objectContaining({ applied: 2, live: 2 }))
    const exchanged = await exchange
    if (exchanged.token === undefined) return
    outcome.minted++
    if (exchanged.at > answeredAt) outcome.mintedAfterAnswer++
    for (const service of cluster.services) {
      if (await cluster.orders(service, exchanged.token) !== 401) outcome.accepted.push(`${key.keyId} at ${service}`)
    }
    const introspected = await fetch(`${a}/oauth/introspect`, { method: 'POST', headers: { authorization: cluster.admin, 'content-type': 'application/json' }, body: JSON.stringify({ token: exchanged.token }) })
    if ((await introspected.json() as { active: boolean }).active) outcome.accepted.push(`${key.keyId} at the gateway`)
  }

  let next = 0
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < TRIALS) await trial(next++)
  }))
  return outcome
}

describe('no token outlives an acknowledged revocation, whenever its exchange began', () => {
  for (const change of ['revoke', 'disable', 'owner revoke'] as const) {
    it(`refuses every token of a key after its ${change} is answered, at two gateways and two verifiers (${TRIALS} races)`, async () => {
      const cluster = await startCluster()
      const outcome = await race(cluster, change)
      console.info(`${change}: ${TRIALS} trials, ${outcome.minted} tokens minted, ${outcome.mintedAfterAnswer} of them after the ${change} was answered, ${outcome.accepted.length} accepted`)
      expect(outcome.accepted).toEqual([])
      // The window was hit: some exchanges read the key before the change and signed after its answer.
      expect(outcome.mintedAfterAnswer).toBeGreaterThan(0)
    }, 300_000)
  }
})
