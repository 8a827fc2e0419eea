// Token signing: the current signing key from Postgres (sealed under the master key), the minter, the JWKS
// view, and the signing-key admin. A revocation at any replica reaches every replica by NOTIFY.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { JWKS_MAX_AGE_SECONDS, type SigningAlgorithm } from '@keygate/protocol'
import { listenForNotifications } from '../db/listener.ts'
import { resolveMasterKey } from '../tokens/master-key.ts'
import { createTokenMinter, type TokenMinter } from '../tokens/mint.ts'
import { createSigningKeyAdmin } from '../tokens/signing-key-admin.ts'
import { type PublicJwk, SIGNING_KEY_CHANNEL, listPublishedKeys, loadSigningKey, signingKid } from '../tokens/signing-keys.ts'

export interface Signer {
  minter (): TokenMinter
  /** Loads the newest key allowed to sign now (also done every refresh interval and on every revocation). */
  refresh (): Promise<void>
  /** Public keys for `/.well-known/jwks.json` and the gateway's own checks, cached briefly. */
  publishedKeys (): Promise<PublicJwk[]>
}

export interface SignerPluginOptions {
  issuer: string
  tokenTtlSeconds: number
  signingAlg: SigningAlgorithm
  masterKey: string | undefined
  dataDir: string
  /** How often replicas look for a newer signing key (a rotation's activation). */
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
    key: await loadSigningKey(app.db, masterKey, options.signingAlg)
  })
  let minter = await build()
  let jwks: { keys: PublicJwk[], at: number } | undefined

  // One cheap query; the key is opened and a signer built only when another key signs now.
  async function refresh (): Promise<void> {
    jwks = undefined
    if (await signingKid(app.db) === minter.kid) return
    minter = await build()
    app.log.info({ kid: minter.kid }, 'signing with a new key')
  }
  const refreshInBackground = (): void => {
    refresh().catch((err: unknown) => app.log.warn({ err }, 'signing key refresh failed; keeping the current key'))
  }
  const signingKeys = createSigningKeyAdmin({ db: app.db, masterKey, alg: options.signingAlg, onChanged: refreshInBackground })
  // KEYGATE_SIGNING_ALG changed: the next key, of the new algorithm, is published now and signs once every
  // verifier's JWKS cache has seen it; the current key signs until then and stays published until its tokens expire.
  const adopted = await signingKeys.adoptConfiguredAlgorithm(JWKS_MAX_AGE_SECONDS, { id: 'keygate:config' })
  if (adopted) app.log.info({ kid: adopted.kid, alg: adopted.alg, activateInSeconds: JWKS_MAX_AGE_SECONDS }, 'KEYGATE_SIGNING_ALG changed: rotating to a new signing key')
  const timer = setInterval(refreshInBackground, options.refreshIntervalMs ?? 30_000)
  timer.unref()
  const listener = listenForNotifications({
    pool: app.db,
    handlers: { [SIGNING_KEY_CHANNEL]: refreshInBackground },
    onError: (err) => app.log.warn({ err }, 'signing key notifications interrupted; reconnecting')
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await listener.stop()
  })

  app.decorate('signer', {
    minter: () => minter,
    refresh,
    async publishedKeys () {
      const now = Date.now()
      if (!jwks || now - jwks.at > JWKS_CACHE_MS) jwks = { keys: await listPublishedKeys(app.db), at: now }
      return jwks.keys
    }
  } satisfies Signer)
  app.decorate('signingKeys', signingKeys)
}

export default fp(signerPlugin, { name: 'keygate-signer', fastify: '5.x', dependencies: ['keygate-db'] })
