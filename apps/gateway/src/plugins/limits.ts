// Rate limits: fixed windows counted in Redis when REDIS_URL is set (every replica counts together), in
// this process otherwise, and in this process while Redis cannot answer (each replica then counts alone,
// and hands back to Redis once it answers). app.limitBy(...) makes a check that refuses with
// KG_ERR_RATE_LIMITED.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type LimitCounter, createLimitCounter } from '../limits/counter.ts'
import { enforce } from '../limits/enforce.ts'

declare module 'fastify' {
  interface FastifyInstance {
    limits: LimitCounter
    /** A check allowing `max` requests per minute per subject within the limit `name`; throws KG_ERR_RATE_LIMITED beyond. */
    limitBy: (name: string, max: number) => (request: FastifyRequest, subject: string) => Promise<void>
  }
}

/** The per-address limit that /oauth/token, /oauth/revoke and /oauth/introspect share. */
export const OAUTH_ADDRESS_LIMIT = 'oauth-address'

async function limitsPlugin (app: FastifyInstance, options: { redisPrefix: string }): Promise<void> {
  const limits = createLimitCounter({
    redis: app.revocationFanout?.redis,
    prefix: options.redisPrefix,
    onDegraded: (degraded, err) => {
      if (degraded) app.log.warn({ err }, 'rate limits counted in this process until Redis answers')
      else app.log.info('rate limits counted in Redis again')
    }
  })
  app.decorate('limits', limits)
  app.decorate('limitBy', (name: string, max: number) => async (_request: FastifyRequest, subject: string) => {
    enforce(await limits.hit(name, subject, max))
  })
}

export default fp(limitsPlugin, { name: 'keygate-limits', fastify: '5.x', dependencies: ['keygate-revocation'] })
