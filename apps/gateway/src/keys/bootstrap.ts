// First start: an empty database gets one admin key, so that the admin API can be reached at all.
import { ADMIN_SCOPE } from '@keygate/protocol'
import type pg from 'pg'
import type { CreatedKey, KeyService } from './service.ts'
import { countKeys } from './store.ts'

/**
 * Creates the bootstrap admin key when no key exists yet; undefined otherwise. With an admin audience
 * configured, the key asks for it, so that its tokens open the admin routes.
 */
export async function createBootstrapAdminKey (db: pg.Pool, keys: KeyService, adminAudience?: string): Promise<CreatedKey | undefined> {
  if (await countKeys(db) > 0) return undefined
  return keys.createKey({ name: 'bootstrap admin', owner: 'keygate', scopes: [ADMIN_SCOPE], ...(adminAudience === undefined ? {} : { audiences: [adminAudience] }) })
}

/** The one-time message that shows the new key and how to use it. */
export function describeBootstrapKey ({ key, record }: CreatedKey, issuer: string): string {
  return [
    '',
    'keygate: created the first admin key. It is shown this once and stored only as a hash: keep it now.',
    '',
    `  ${key}`,
    '',
    'Exchange it for an admin token:',
    `  curl -s -u '${record.keyId}:${key}' -d grant_type=client_credentials ${issuer}/oauth/token`,
    ''
  ].join('\n')
}
