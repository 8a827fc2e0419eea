// How far a revocation has travelled: how many live verifiers have applied it, optionally waiting for all.
import { setTimeout as sleep } from 'node:timers/promises'
import type { RedisClient } from '@keygate/verifier'
import type { RevocationKeys } from '@keygate/protocol'
import type { Queryable } from '../db/transaction.ts'
import { publishedPositionOf } from './store.ts'

/** A verifier is live while its heartbeat is this fresh. */
export const VERIFIER_LIVE_WINDOW_MS = 10_000
const POLL_MS = 10

export interface Propagation {
  /** Live verifiers that have applied the revocation. */
  applied: number
  live: number
  /**
   * True once every live verifier has applied it, and at least one is live: with none listening, nothing
   * is known to refuse the revoked tokens (the gateway's own checks do, verifiers would only after expiry).
   */
  complete: boolean
  /** Time spent waiting, ms. */
  ms: number
}

export type PropagationReporter = (outboxSeq: string, waitMs: number) => Promise<Propagation>

export function createPropagationReporter (db: Queryable, redis: RedisClient, keys: RevocationKeys): PropagationReporter {
  async function count (published: { seq: number, epoch: string | null } | undefined): Promise<{ applied: number, live: number, epoch?: string | null }> {
    const ids = await redis.zrangebyscore(keys.verifiers, Date.now() - VERIFIER_LIVE_WINDOW_MS, '+inf')
    if (ids.length === 0 || published === undefined) return { applied: 0, live: ids.length }
    const [epoch, positions] = await Promise.all([redis.get(keys.epoch), redis.hmget(keys.applied, ...ids)])
    const applied = positions.filter((p) => {
      if (p === null) return false
      const [e, s] = p.split(':')
      return e === epoch && Number(s) >= published.seq
    }).length
    return { applied, live: ids.length, epoch }
  }

  return async (outboxSeq, waitMs) => {
    const start = Date.now()
    // Read until the relay has published it, and again whenever Redis's stream is not the one it was
    // published to (a rebuild renumbers it): otherwise each poll asks Redis only.
    let published: { seq: number, epoch: string | null } | undefined
    for (;;) {
      published ??= await publishedPositionOf(db, outboxSeq)
      const { epoch, ...status } = await count(published)
      if (published !== undefined && epoch !== undefined && epoch !== published.epoch) published = undefined
      const ms = Date.now() - start
      const complete = status.live > 0 && status.applied >= status.live
      // No verifier is live: there is nobody to wait for, and nothing to call complete.
      if (complete || status.live === 0 || ms >= waitMs) return { ...status, complete, ms }
      await sleep(POLL_MS)
    }
  }
}
