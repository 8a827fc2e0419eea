// Rate limits, counted in Redis when REDIS_URL is set (every replica counts together), in this process
// otherwise, and in this process while Redis cannot answer (each replica then counts alone, and hands
// back to Redis once it answers). Two counters: `requests` for request limits, decided in this process and
// shared every 100 ms (limits/request-counter.ts); `exact` for failed verifications and refusals audited,
// one round trip per count (limits/counter.ts). app.limitBy(...) makes a request check that refuses
// with KG_ERR_RATE_LIMITED.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type LimitCounter, createLimitCounter } from '../limits/counter.ts'
import { enforce } from '../limits/enforce.ts'
import { type RequestCounter, createRequestCounter } from '../limits/request-counter.ts'

export interface Limits {
  requests: RequestCounter
  exact: LimitCounter
  /** True while either counter keeps its counts in this process because Redis cannot answer. */
  readonly degraded: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    limits: Limits
    /** A check allowing `max` requests per minute per subject within the limit `name`; throws KG_ERR_RATE_LIMITED beyond. */
    limitBy: (name: string, max: number) => (request: FastifyRequest, subject: string) => void
  }
}

/** The per-address limit that /oauth/token, /oauth/revoke and /oauth/introspect share. */
export const OAUTH_ADDRESS_LIMIT = 'oauth-address'

async function limitsPlugin (app: FastifyInstance, options: { redisPrefix: string }): Promise<void> {
  const redis = app.revocationFanout?.redis
  const onDegraded = (degraded: boolean, err?: unknown): void => {
    if (degraded) app.log.warn({ err }, 'rate limits counted in this process until Redis answers')
    else app.log.info('rate limits counted in Redis again')
  }
  const requests = createRequestCounter({ redis, prefix: options.redisPrefix, onDegraded })
  const exact = createLimitCounter({ redis, prefix: options.redisPrefix, onDegraded })
  // Before Redis closes (hooks run in reverse order of registration): the last counts are shared.
  app.addHook('onClose', () => requests.close())
  app.decorate('limits', { requests, exact, get degraded () { return requests.degraded || exact.degraded } } satisfies Limits)
  app.decorate('limitBy', (name: string, max: number) => (_request: FastifyRequest, subject: string) => {
    enforce(requests.hit(name, subject, max))
  })
}

export default fp(limitsPlugin, { name: 'keygate-limits', fastify: '5.x', dependencies: ['keygate-revocation'] })
