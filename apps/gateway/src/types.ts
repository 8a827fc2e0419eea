// What the gateway's plugins decorate the Fastify instance with.
import type pg from 'pg'
import type { KeyAdmin } from './keys/admin.ts'
import type { ClientAuthentication } from './keys/client-credentials.ts'
import type { LastUsedTracker } from './keys/last-used.ts'
import type { KeyRowCache } from './keys/row-cache.ts'
import type { KeyService } from './keys/service.ts'
import type { ApiKeyRecord } from './keys/store.ts'
import type { WorkLimiter } from './keys/work-limiter.ts'
import type { Signer } from './plugins/signer.ts'
import type { SigningKeyAdmin } from './tokens/signing-key-admin.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: pg.Pool
    keys: KeyService
    keyAdmin: KeyAdmin
    lastUsed: LastUsedTracker
    /** The key rows exchanges read, kept while changes are heard (absent: KEYGATE_KEY_CACHE_SECONDS=0). */
    keyRows: KeyRowCache | undefined
    hashLimiter: WorkLimiter
    signer: Signer
    signingKeys: SigningKeyAdmin
    /** The client's key, authenticated by its secret or its signed assertion; throws KG_ERR_CLIENT_INVALID. */
    authenticateClient: (authentication: ClientAuthentication, clientIp: string) => Promise<ApiKeyRecord>
  }
}
