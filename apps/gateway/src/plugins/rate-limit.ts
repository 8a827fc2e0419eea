// Rate limiting (@fastify/rate-limit): counters in Redis when REDIS_URL is set (shared by replicas), in
// memory otherwise. app.limitBy(...) makes a check that refuses with KG_ERR_RATE_LIMITED; several limits
// can guard one route (the plugin's own hook runs only once per request).
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { errors } from '../errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** A check allowing `max` requests per minute per subject within the limit `name`; throws KG_ERR_RATE_LIMITED beyond. */
    limitBy: (name: string, max: number) => (request: FastifyRequest, subject: string) => Promise<void>
  }
}

async function rateLimitPlugin (app: FastifyInstance, options: { redisPrefix: string }): Promise<void> {
  const redis = app.revocationFanout?.redis
  await app.register(rateLimit, {
    global: false,
    timeWindow: 60_000,
    ...(redis ? { redis, nameSpace: `${options.redisPrefix}rl:` } : {}),
    // A Redis outage must not take the token endpoint down with it.
    skipOnError: true
  })
  app.decorate('limitBy', (name: string, max: number) => {
    const subjects = new WeakMap<FastifyRequest, string>()
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `${name}:${subjects.get(request) ?? request.ip}` })
    return async (request: FastifyRequest, subject: string) => {
      subjects.set(request, subject)
      const result = await check(request)
      if (!result.isAllowed && result.isExceeded) throw Object.assign(new errors.KG_ERR_RATE_LIMITED(), { retryAfter: Math.max(1, result.ttlInSeconds) })
    }
  })
}

export default fp(rateLimitPlugin, { name: 'keygate-rate-limit', fastify: '5.x', dependencies: ['keygate-revocation'] })
