// buildGateway: the one factory the server, the CLI and the tests share. It never listens.
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { GatewayConfig } from './config.ts'
import type { SecretHasher } from './keys/hashing.ts'
import { createLogger, requestIdFor } from './http/logger.ts'
import { validatorCompiler } from './http/validator.ts'
import commonHeaders from './plugins/common-headers.ts'
import dbPlugin from './plugins/db.ts'
import errorHandler, { sendFrameworkError } from './plugins/error-handler.ts'
import keysPlugin from './plugins/keys.ts'
import metricsPlugin from './plugins/metrics.ts'
import openapiPlugin from './plugins/openapi.ts'
import limitsPlugin from './plugins/limits.ts'
import revocationPlugin from './plugins/revocation.ts'
import adminAuth from './plugins/admin-auth.ts'
import adminRoutes from './routes/admin.ts'
import signerPlugin from './plugins/signer.ts'
import healthRoutes from './routes/health.ts'
import tokenRoutes from './routes/token.ts'
import oauthRevocationRoutes from './routes/oauth-revocation.ts'
import wellKnownRoutes from './routes/well-known.ts'
import consoleRoutes from './routes/console.ts'
import './types.ts'

const REQUEST_TIMEOUT_CHECK_MS = 1000

export interface GatewayDeps {
  /** Replaces the Argon2 hasher built from the configuration (tests wrap the real one to count calls). */
  hasher?: SecretHasher
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream
}

export async function buildGateway (config: Readonly<GatewayConfig>, deps: GatewayDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel, deps.logStream),
    genReqId: requestIdFor,
    // Fastify accepts a hop count too; its type declaration omits it.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: 64 * 1024,
    // A connection silent this long is closed; one whose request trickles in is closed at requestTimeout,
    // which Node checks every connectionsCheckingInterval (by default every 30 s: a 15 s bound became 45 s).
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Given to the server at its creation: set afterwards, Node keeps its 60 s headersTimeout.
    http: { connectionsCheckingInterval: REQUEST_TIMEOUT_CHECK_MS, headersTimeout: config.requestTimeoutMs, requestTimeout: config.requestTimeoutMs },
    keepAliveTimeout: config.keepAliveTimeoutMs,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: sendFrameworkError
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)

  await app.register(commonHeaders)
  await app.register(errorHandler)
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(dbPlugin, { databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  await app.register(revocationPlugin, { redis: config.redis, redisPrefix: config.redisPrefix })
  await app.register(limitsPlugin, { redisPrefix: config.redisPrefix })
  await app.register(keysPlugin, {
    keyPrefix: config.keyPrefix,
    argon2: config.argon2,
    maxConcurrentHashes: config.maxConcurrentHashes,
    exchangeCacheSeconds: config.exchangeCacheSeconds,
    keyRowCacheSeconds: config.keyCacheSeconds,
    failedAttemptsPerKey: config.authFailureLimitPerKey,
    issuer: config.issuer,
    hasher: deps.hasher
  })
  await app.register(signerPlugin, {
    issuer: config.issuer,
    tokenTtlSeconds: config.tokenTtlSeconds,
    signingAlg: config.signingAlg,
    masterKey: config.masterKey,
    dataDir: config.dataDir
  })
  await app.register(adminAuth, { issuer: config.issuer, adminAudience: config.adminAudience })
  await app.register(openapiPlugin, { issuer: config.issuer })
  await app.register(metricsPlugin, { token: config.metricsToken })
  await app.register(healthRoutes)
  await app.register(wellKnownRoutes, { issuer: config.issuer })
  await app.register(tokenRoutes, {
    defaultAudience: config.defaultAudience,
    tokenTtlSeconds: config.tokenTtlSeconds,
    rateLimitPerIp: config.tokenRateLimitPerIp
  })
  await app.register(oauthRevocationRoutes, { rateLimitPerIp: config.tokenRateLimitPerIp })
  await app.register(adminRoutes, { keyPrefix: config.keyPrefix, rateLimitPerMinute: config.adminRateLimitPerMinute })
  if (config.console) await app.register(consoleRoutes, { prefix: '/console', adminAudience: config.adminAudience })
  return app
}
