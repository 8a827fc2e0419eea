// @keygate/verifier: verifies keygate access tokens in a downstream Fastify service, statelessly.
import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
import { Cluster, Redis } from 'ioredis'
import { createRedisClient } from './redis.ts'
import type { Registry } from 'prom-client'
import { revocationKeys } from '@keygate/protocol'
import { VerifierError, type VerifierErrorCode, isVerifierError } from './errors.ts'
import { createJwksCache } from './jwks.ts'
import { type VerificationOutcome, createVerifierMetrics } from './metrics.ts'
import { type KeygateVerifierOptions, resolveOptions } from './options.ts'
import { type MirrorStatus, type RevocationMirror, createRevocationMirror } from './revocation-mirror.ts'
import { checkScopes } from './scopes.ts'
import { type Principal, createTokenVerifier } from './verify.ts'

export type { KeygateVerifierOptions } from './options.ts'
export type { Principal, TokenVerifier, TokenVerifierOptions } from './verify.ts'

/**
 * The verification core without Fastify: signature (pinned algorithm), typ, iss, aud, times, lifetime.
 *
 * @example
 * const verify = createTokenVerifier({ issuer, audience: 'orders-api', keyFor: (kid) => jwks.keyFor(kid), clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 3600, cacheSize: 10_000 })
 * const principal = await verify(token)
 */
export { createTokenVerifier } from './verify.ts'
export { importJwk } from './jwks.ts'
export { type RedisClient, type RedisTopology, RedisConfigError, createRedisClient, redisPrefixFor, redisTopologyFromEnv } from './redis.ts'
export type { MirrorStatus } from './revocation-mirror.ts'
export { VerifierError } from './errors.ts'
export type { VerifierErrorCode } from './errors.ts'
export * as errors from './errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * preHandler: 401 without a valid token, 403 without every scope.
     *
     * @example app.get('/orders', { preHandler: app.requireScopes('orders:read') }, handler)
     */
    requireScopes: (...scopes: string[]) => preHandlerHookHandler
    /** preHandler: any valid, unrevoked token. */
    authenticate: preHandlerHookHandler
    /** The state of the revocation mirror, for health endpoints; undefined without Redis. */
    keygateRevocationStatus: () => MirrorStatus | undefined
    /** The verifier's Prometheus metrics (the registry given as `metricsRegistry`, or its own). */
    keygateMetrics: Registry
  }
  interface FastifyRequest {
    /** Who called, once a keygate preHandler has run. */
    principal: Principal | null
  }
}

const OUTCOMES: Partial<Record<VerifierErrorCode, VerificationOutcome>> = {
  KG_VERIFIER_ERR_TOKEN_REVOKED: 'revoked',
  KG_VERIFIER_ERR_SCOPE_INSUFFICIENT: 'insufficient_scope',
  KG_VERIFIER_ERR_REVOCATION_STALE: 'stale'
}

// RFC 6750 §3.1: a request with no credentials learns only that a Bearer token is wanted.
function challenge (err: VerifierError): string {
  if (err.code === 'KG_VERIFIER_ERR_TOKEN_MISSING') return 'Bearer realm="keygate"'
  const description = err.message.replaceAll('"', "'")
  return `Bearer realm="keygate", error="${err.oauthError}", error_description="${description}"`
}

async function keygateVerifierPlugin (app: FastifyInstance, raw: KeygateVerifierOptions): Promise<void> {
  const options = resolveOptions(raw, `${hostname()}:${process.pid}`)
  const jwks = createJwksCache({
    url: options.jwksUrl,
    maxAgeMs: options.jwksMaxAgeMs,
    cooldownMs: options.jwksCooldownMs,
    timeoutMs: options.jwksTimeoutMs,
    onBadAnswer: (reason) => app.log.warn({ reason }, 'keygate JWKS answer refused; keeping the keys in hand')
  })
  const verify = createTokenVerifier({
    issuer: options.issuer,
    audience: options.audience,
    keyFor: (kid) => jwks.keyFor(kid),
    clockToleranceSeconds: options.clockToleranceSeconds,
    maxTokenLifetimeSeconds: options.maxTokenLifetimeSeconds,
    cacheSize: options.cacheSize
  })

  let mirror: RevocationMirror | undefined
  if (options.redis !== undefined) {
    const owned = !(options.redis instanceof Redis || options.redis instanceof Cluster)
    const redis = options.redis instanceof Redis || options.redis instanceof Cluster
      ? options.redis
      : createRedisClient(options.redis, { commandTimeout: 1_000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 100, 1_000) })
    if (owned) redis.on('error', () => {})
    mirror = createRevocationMirror({
      redis,
      keys: revocationKeys(options.redisPrefix),
      instanceId: options.instanceId,
      log: (event, detail) => app.log.info({ ...detail, event }, `keygate revocation mirror: ${event}`),
      onSigningKeyRevoked: (kid) => jwks.forget(kid)
    })
    await mirror.ready
    app.addHook('onClose', async () => {
      await mirror?.stop()
      if (owned) redis.disconnect()
    })
  }
  const metrics = createVerifierMetrics(options.metricsRegistry, () => mirror?.status(), jwks)
  app.decorate('keygateMetrics', metrics.registry)

  function bearerOf (request: FastifyRequest): string {
    const header = request.headers.authorization
    // startsWith, not a regex: this runs on every request; the token's own syntax is checked on a cache miss.
    if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') {
      throw new VerifierError('KG_VERIFIER_ERR_TOKEN_MISSING', 'a Bearer token is required')
    }
    return header.slice(7).trim()
  }

  // Revocation and scopes, on every request, cached or not.
  function admit (principal: Principal, scopes: readonly string[]): Principal {
    if (mirror) {
      if (mirror.staleForMs() > options.maxRevocationStalenessMs) {
        if (!options.failOpen) throw new VerifierError('KG_VERIFIER_ERR_REVOCATION_STALE', 'revocation list unavailable')
      } else if (mirror.isRevoked(principal)) {
        throw new VerifierError('KG_VERIFIER_ERR_TOKEN_REVOKED', 'the token has been revoked')
      }
    }
    if (scopes.length > 0) checkScopes(principal, scopes)
    return principal
  }

  // The one place verifier errors become HTTP (RFC 6750 §3).
  function refuse (err: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (!isVerifierError(err)) {
      reply.send(err)
      return
    }
    metrics.outcome(OUTCOMES[err.code] ?? 'invalid')
    if (err.statusCode === 503) reply.header('retry-after', '5')
    else reply.header('www-authenticate', challenge(err))
    request.log.info({ code: err.code }, 'keygate token refused')
    reply.code(err.statusCode).header('cache-control', 'no-store').send({ error: err.oauthError, error_description: err.message })
  }

  // Callback-style and synchronous for a token verified before: no promise on the hot path.
  function guard (scopes: readonly string[]): preHandlerHookHandler {
    return function keygateGuard (request, reply, done) {
      let token: string
      let principal: Principal | undefined
      try {
        token = bearerOf(request)
        principal = verify.cached(token)
        if (principal) {
          request.principal = admit(principal, scopes)
          metrics.outcome('ok')
          done()
          return
        }
      } catch (err) {
        refuse(err, request, reply)
        return
      }
      verify(token).then((verified) => {
        request.principal = admit(verified, scopes)
        metrics.outcome('ok')
        done()
      }).catch((err: unknown) => refuse(err, request, reply))
    }
  }

  app.decorateRequest('principal', null)
  app.decorate('authenticate', guard([]))
  app.decorate('requireScopes', (...scopes: string[]): preHandlerHookHandler => guard(scopes))
  app.decorate('keygateRevocationStatus', () => mirror?.status())
}

/**
 * The keygate verifier plugin.
 *
 * @example
 * await app.register(keygateVerifier, { issuer: 'https://auth.example.com', audience: 'orders-api', redis: process.env.REDIS_URL })
 * app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async (request) => request.principal)
 */
export const keygateVerifier = fp(keygateVerifierPlugin, { name: '@keygate/verifier', fastify: '5.x' })
export default keygateVerifier
