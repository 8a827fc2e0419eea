// Redis for a test file: the run's server and a prefix of this file's own, so files never share keys.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, inject } from 'vitest'

const prefixes: string[] = []

// Registered when a test file imports this module: what its gateways and verifiers left under its
// prefixes goes when the file ends.
afterAll(async () => {
  if (prefixes.length === 0 || !inject('redisUrl')) return
  const redis = new Redis(inject('redisUrl'))
  try {
    for (const prefix of prefixes.splice(0)) {
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.del(...keys)
      }
    }
  } finally {
    redis.disconnect()
  }
})

export function redisUrl (): string {
  const url = inject('redisUrl')
  if (!url) throw new Error(inject('redisProblem'))
  return url
}

/** A fresh key prefix: every Redis name of the gateway and verifiers under test lives below it. */
export function redisPrefix (): string {
  const prefix = `kgt:${randomBytes(4).toString('hex')}:`
  prefixes.push(prefix)
  return prefix
}
