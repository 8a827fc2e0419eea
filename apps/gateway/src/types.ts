// What the gateway's plugins decorate the Fastify instance with.
import type pg from 'pg'
import type { KeyService } from './keys/service.ts'
import type { WorkLimiter } from './keys/work-limiter.ts'
import type { Signer } from './plugins/signer.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: pg.Pool
    keys: KeyService
    hashLimiter: WorkLimiter
    signer: Signer
  }
}
