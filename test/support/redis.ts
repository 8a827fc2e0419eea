// Redis for a test file: the run's server and a prefix of this file's own, so files never share keys.
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'

export function redisUrl (): string {
  const url = inject('redisUrl')
  if (!url) throw new Error(inject('redisProblem'))
  return url
}

/** A fresh key prefix: every Redis name of the gateway and verifiers under test lives below it. */
export function redisPrefix (): string {
  return `kgt:${randomBytes(4).toString('hex')}:`
}
