// Argon2id hashing of API key secrets as PHC strings, with the parameters set explicitly.
import argon2 from 'argon2'
import { LRUCache } from 'lru-cache'

export interface Argon2Params {
  /** KiB */
  memoryCost: number
  timeCost: number
  parallelism: number
}

/** OWASP's minimum for Argon2id; the gateway never hashes below it. */
export const OWASP_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 })

export interface SecretHasher {
  hash (secret: string): Promise<string>
  verify (phc: string, secret: string): Promise<boolean>
  /** True when `phc` was made with weaker parameters than the current ones. */
  needsRehash (phc: string): boolean
}

/** Stored hashes whose rehash answer is remembered: one per key exchanged recently is plenty. */
const REHASH_ANSWERS = 10_000

export function createArgon2Hasher (params: Argon2Params = OWASP_ARGON2_PARAMS): SecretHasher {
  const options = { type: argon2.argon2id, ...params }
  // A stored hash's answer cannot change while the parameters do not: a warm exchange does not parse the
  // PHC string again each time.
  const rehashAnswers = new LRUCache<string, boolean>({ max: REHASH_ANSWERS })
  return {
    hash: (secret) => argon2.hash(secret, options),
    async verify (phc, secret) {
      try {
        return await argon2.verify(phc, secret)
      } catch {
        // A corrupt stored hash refuses the key instead of failing the request.
        return false
      }
    },
    needsRehash (phc) {
      let answer = rehashAnswers.get(phc)
      if (answer === undefined) {
        answer = argon2.needsRehash(phc, params)
        rehashAnswers.set(phc, answer)
      }
      return answer
    }
  }
}
