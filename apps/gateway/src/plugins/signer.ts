// Token signing: the current signing key from Postgres (sealed under the master key), the minter, the JWKS view.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { resolveMasterKey } from '../tokens/master-key.ts'
import { createTokenMinter, type TokenMinter } from '../tokens/mint.ts'
import { type PublicJwk, listPublishedKeys, loadSigningKey, signingKid } from '../tokens/signing-keys.ts'

export interface Signer {
  minter (): TokenMinter
  /** Loads the newest key allowed to sign now (also done every refresh interval). */
  refresh (): Promise<void>
  /** Public keys for `/.well-known/jwks.json`, cached briefly so a flood of fetches costs no queries. */
  publishedKeys (): Promise<PublicJwk[]>
}

export interface SignerPluginOptions {
  issuer: string
  tokenTtlSeconds: number
  masterKey: string | undefined
  dataDir: string
  /** How often replicas look for a newer signing key. */
  refreshIntervalMs?: number
}

const JWKS_CACHE_MS = 5_000

async function signerPlugin (app: FastifyInstance, options: SignerPluginOptions): Promise<void> {
  const masterKey = await resolveMasterKey(options, (path) => {
    app.log.warn({ path }, 'KEYGATE_MASTER_KEY is unset: generated a master key into DATA_DIR; set KEYGATE_MASTER_KEY in production')
  })
  const build = async (): Promise<TokenMinter> => createTokenMinter({
    issuer: options.issuer,
    ttlSeconds: options.tokenTtlSeconds,
    key: await loadSigningKey(app.db, masterKey)
  })
  let minter = await build()
  let jwks: { keys: PublicJwk[], at: number } | undefined

  // One cheap query per interval; the key is opened and a signer built only when another key signs now.
  async function refresh (): Promise<void> {
    jwks = undefined
    if (await signingKid(app.db) === minter.kid) return
    minter = await build()
    app.log.info({ kid: minter.kid }, 'signing with a new key')
  }
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => app.log.warn({ err }, 'signing key refresh failed; keeping the current key'))
  }, options.refreshIntervalMs ?? 30_000)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))

  app.decorate('signer', {
    minter: () => minter,
    refresh,
    async publishedKeys () {
      const now = Date.now()
      if (!jwks || now - jwks.at > JWKS_CACHE_MS) jwks = { keys: await listPublishedKeys(app.db), at: now }
      return jwks.keys
    }
  } satisfies Signer)
}

export default fp(signerPlugin, { name: 'keygate-signer', fastify: '5.x', dependencies: ['keygate-db'] })
