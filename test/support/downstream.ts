// A gateway listening on port 0 with Redis, and example services verifying its tokens: the real path.
import { randomBytes } from 'node:crypto'
import { onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildExampleService } from '@keygate/example-service'
import { type TestGateway, buildTestGateway } from './gateway.ts'
import { redisPrefix, redisUrl } from './redis.ts'
import { freePort } from './redis-server.ts'

export interface Downstream {
  gw: TestGateway
  gatewayUrl: string
  prefix: string
  /** A new example service (closed after the test). */
  service (options?: { maxRevocationStalenessMs?: number, redis?: string, failOpen?: boolean }): Promise<FastifyInstance>
  /** A token for a fresh key with these scopes. */
  token (scopes?: string[]): Promise<{ token: string, keyId: string, key: string }>
}

export async function buildDownstream (env: Record<string, string> = {}): Promise<Downstream> {
  const prefix = redisPrefix()
  const redis = env.REDIS_URL ?? redisUrl()
  // The gateway's DATABASE_URL may be overridden (a test that stops its own Postgres).
  const gw = await buildTestGateway({ env: { REDIS_URL: redis, KEYGATE_REDIS_PREFIX: prefix, ...env } })
  const gatewayUrl = await gw.app.listen({ host: '127.0.0.1', port: 0 })
  return {
    gw,
    gatewayUrl,
    prefix,
    async service (options = {}) {
      const app = await buildExampleService({
        host: '127.0.0.1',
        port: 0,
        issuer: gw.config.issuer,
        jwksUrl: `${gatewayUrl}/.well-known/jwks.json`,
        audience: 'keygate',
        redis: { kind: 'standalone', url: options.redis ?? redis },
        redisPrefix: prefix,
        failOpen: options.failOpen ?? false
      }, {
        logger: false,
        // Services of one process are told apart in propagation reports, as processes are.
        verifier: { instanceId: `test-service-${randomBytes(4).toString('hex')}`, ...(options.maxRevocationStalenessMs !== undefined ? { maxRevocationStalenessMs: options.maxRevocationStalenessMs } : {}) }
      })
      onTestFinished(() => app.close())
      return app
    },
    async token (scopes = ['orders:read']) {
      const { key, record } = await gw.createKey({ scopes })
      const res = await gw.exchange(key)
      return { token: res.json<{ access_token: string }>().access_token, keyId: record.keyId, key }
    }
  }
}

export function bearer (token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}

/** A gateway listening at the URL it names as its issuer, as discovery clients require. */
export async function gatewayAtItsIssuer (env: Record<string, string> = {}): Promise<{ gw: TestGateway, url: string }> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const gw = await buildTestGateway({ env: { KEYGATE_ISSUER: url, ...env } })
  await gw.app.listen({ host: '127.0.0.1', port })
  return { gw, url }
}
