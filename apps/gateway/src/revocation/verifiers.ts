// The live verifiers, as their heartbeats tell: who is listening, and how far each has applied the revocations.
import type { RedisClient } from '@keygate/verifier'
import type { RevocationKeys } from '@keygate/protocol'
import { VERIFIER_LIVE_WINDOW_MS } from './propagation.ts'

export interface LiveVerifier {
  id: string
  heartbeatAt: string
  /** The last revocation sequence it applied in the current epoch; null when it reported another epoch. */
  appliedSeq: number | null
  /** It has applied every revocation published so far. */
  current: boolean
}

export interface VerifierFleet {
  /** The last revocation sequence published to Redis (0 before the first). */
  publishedSeq: number
  items: LiveVerifier[]
}

/** What GET /admin/verifiers and `keygate verifiers` answer without Redis: no fan-out, nobody reporting. */
export const NO_FANOUT = Object.freeze({ fanout: false, publishedSeq: null, items: [] })

/** Every verifier with a fresh heartbeat, most recent first. */
export async function listLiveVerifiers (redis: RedisClient, keys: RevocationKeys, now = Date.now()): Promise<VerifierFleet> {
  const scored = await redis.zrevrangebyscore(keys.verifiers, '+inf', now - VERIFIER_LIVE_WINDOW_MS, 'WITHSCORES')
  const ids = scored.filter((_, i) => i % 2 === 0)
  const [epoch, seq, positions] = await Promise.all([
    redis.get(keys.epoch),
    redis.get(keys.seq),
    ids.length === 0 ? Promise.resolve([]) : redis.hmget(keys.applied, ...ids)
  ])
  const publishedSeq = Number(seq ?? 0)
  const items = ids.map((id, i): LiveVerifier => {
    const [appliedEpoch, appliedSeq] = (positions[i] ?? '').split(':')
    const applied = appliedEpoch === epoch && appliedSeq !== undefined ? Number(appliedSeq) : null
    return { id, heartbeatAt: new Date(Number(scored[i * 2 + 1])).toISOString(), appliedSeq: applied, current: applied !== null && applied >= publishedSeq }
  })
  return { publishedSeq, items }
}
