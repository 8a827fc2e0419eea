// Wires the key service: the Argon2 hasher behind a bounded work limiter.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createArgon2Hasher, type Argon2Params, type SecretHasher } from '../keys/hashing.ts'
import { createKeyService } from '../keys/service.ts'
import { createWorkLimiter } from '../keys/work-limiter.ts'

export interface KeysPluginOptions {
  keyPrefix: string
  argon2: Argon2Params
  maxConcurrentHashes: number
  hasher?: SecretHasher | undefined
}

async function keysPlugin (app: FastifyInstance, options: KeysPluginOptions): Promise<void> {
  // A short queue: a flood waits briefly or is told to retry, and never piles up in memory.
  const limiter = createWorkLimiter(options.maxConcurrentHashes, options.maxConcurrentHashes * 16)
  app.decorate('hashLimiter', limiter)
  app.decorate('keys', createKeyService({
    db: app.db,
    hasher: options.hasher ?? createArgon2Hasher(options.argon2),
    limiter,
    keyPrefix: options.keyPrefix,
    onBackgroundError: (err) => app.log.error({ err }, 'background key update failed')
  }))
}

export default fp(keysPlugin, { name: 'keygate-keys', fastify: '5.x', dependencies: ['keygate-db'] })
