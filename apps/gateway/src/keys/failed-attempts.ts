// The per-key limit: it counts what costs, an Argon2 verification that failed, and nothing else, per keyId
// and client address. A keyId is public (the client_id claim, the `start` field): a limit that counted
// every request naming it would let anyone lock its holder out. Failed verifications come only from
// guessing the secret, and counted per address, a guesser fills only its own count; a presentation the
// exchange cache recognises is verified without consulting it at all. The per-address limit in front
// bounds how many keyIds one address can try.
import type { LimitCounter } from '../limits/counter.ts'
import { enforce } from '../limits/enforce.ts'

export interface FailedAttempts {
  /**
   * Counts an attempt before its verification; throws KG_ERR_RATE_LIMITED when `keyId` is over its limit.
   * Counting first keeps a burst of concurrent guesses within the limit.
   */
  attempt (keyId: string, address: string | undefined): Promise<void>
  /** Takes back the count of an attempt that did not fail (it verified, or was shed before it ran): only failures stay counted. */
  release (keyId: string, address: string | undefined): Promise<void>
}

const LIMIT_NAME = 'failed-key'

const subjectOf = (keyId: string, address: string | undefined): string => address === undefined ? keyId : `${keyId}:${address}`

/** At most `max` failed verifications per keyId and address per window, counted by `counter`. */
export function createFailedAttempts (counter: LimitCounter, max: number): FailedAttempts {
  return {
    attempt: async (keyId, address) => enforce(await counter.hit(LIMIT_NAME, subjectOf(keyId, address), max)),
    release: (keyId, address) => counter.release(LIMIT_NAME, subjectOf(keyId, address))
  }
}
