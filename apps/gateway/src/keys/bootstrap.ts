// First start: an empty database gets one admin key, so that the admin API can be reached at all. The key
// goes to a file only its owner can read, not to stdout (the stream log shippers collect); a terminal is
// shown the key itself. Its creation is audited like any other.
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ADMIN_SCOPE } from '@keygate/protocol'
import type pg from 'pg'
import type { KeyAdmin } from './admin.ts'
import type { CreatedKey } from './service.ts'
import { countKeys } from './store.ts'

export const BOOTSTRAP_KEY_FILE = 'bootstrap-admin-key'

/**
 * Creates the bootstrap admin key when no key exists yet; undefined otherwise. With an admin audience
 * configured, the key asks for it, so that its tokens open the admin routes.
 */
export async function createBootstrapAdminKey (db: pg.Pool, keyAdmin: KeyAdmin, adminAudience?: string): Promise<CreatedKey | undefined> {
  if (await countKeys(db) > 0) return undefined
  return keyAdmin.create(
    { name: 'bootstrap admin', owner: 'keygate', scopes: [ADMIN_SCOPE], ...(adminAudience === undefined ? {} : { audiences: [adminAudience] }) },
    { id: 'keygate:bootstrap' }
  )
}

/** Writes the key to `<dataDir>/bootstrap-admin-key`, mode 0600 from its first byte; returns the path. */
export async function writeBootstrapKey (dataDir: string, key: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, BOOTSTRAP_KEY_FILE)
  const partial = `${path}.${process.pid}.tmp`
  await writeFile(partial, `${key}\n`, { mode: 0o600, flag: 'wx' })
  await rename(partial, path)
  return path
}

/** The one-time message: where the key is (and, on a terminal, the key) and how to use it. */
export function describeBootstrapKey ({ key, record }: CreatedKey, issuer: string, where: { path: string, showKey: boolean }): string {
  return [
    '',
    'keygate: created the first admin key. It is stored only as a hash; this file holds it once:',
    `  ${where.path}  (mode 0600: move it to your secret store, then delete it)`,
    ...(where.showKey ? ['', `  ${key}`] : []),
    '',
    'Exchange it for an admin token:',
    `  curl -s -u "${record.keyId}:$(cat ${where.path})" -d grant_type=client_credentials ${issuer}/oauth/token`,
    ''
  ].join('\n')
}
