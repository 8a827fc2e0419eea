import { describe, expect, it } from 'vitest'
import { scrubSecrets } from './logger.ts'
import { generateApiKey } from '../keys/format.ts'

describe('scrubSecrets', () => {
  it('removes API keys and JWTs from text', () => {
    const { key } = generateApiKey('kg_live')
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    const out = scrubSecrets(`/oauth/token?client_secret=${key}&t=${jwt}`)
    expect(out).toBe('/oauth/token?client_secret=[api-key]&t=[jwt]')
  })

  it('finds keys and tokens under percent-encoding and \\u escapes, up to three times over', () => {
    const { key } = generateApiKey('kg_live')
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    const every = (text: string): string => [...Buffer.from(text)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
    const forms = [
      key.replaceAll('_', '%5F'),
      key.replaceAll('_', '%5f'),
      every(key),
      key.replaceAll('_', '%255F'),
      key.replaceAll('_', '\\u005f'),
      jwt.replaceAll('.', '%2E'),
      every(jwt)
    ]
    for (const form of forms) {
      const out = scrubSecrets(`/oauth/token?client_secret=${form}&x=1`)
      expect(out, form).toMatch(/^\/oauth\/token\?client_secret=\[(api-key|jwt)\]&x=1$/)
    }
  })

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('/admin/keys?owner=team_a')).toBe('/admin/keys?owner=team_a')
    expect(scrubSecrets('/admin/keys?owner=team%5Fa&name=eyes.on.it')).toBe('/admin/keys?owner=team%5Fa&name=eyes.on.it')
  })

  it('finds a token right after a partial escape, without the escape eating into it', () => {
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    const out = scrubSecrets(`/x?a=%0${jwt}&b=%2541`)
    expect(out).not.toContain(jwt.slice(1, 20))
    expect(out).toContain('[jwt]')
  })

  it('masks a whole token whose signature starts or goes on under an escape', () => {
    // A base64url signature may start with `_`; sent as `%5F`, the text before the escape looked like a token
    // with an empty signature, and the signature itself was left in the line.
    const header = 'eyJhbGciOiJFZERTQSJ9'
    const payload = 'eyJzdWIiOiJ4In0'
    for (const signature of ['%5Fc2lnbmF0dXJl', 'c2ln%5Fc2ln%2DbmF0dXJl', '%25255Fc2lnbmF0dXJl', '\\u005fc2lnbmF0dXJl']) {
      const out = scrubSecrets(`/oauth/token?client_secret=${header}.${payload}.${signature}&x=1`)
      expect(out, signature).toBe('/oauth/token?client_secret=[jwt]&x=1')
    }
  })

  it('masks a key glued to an escape that stays one after every unescape', () => {
    const { key, secret } = generateApiKey('kg_live')
    for (const tail of ['%25252541', '\\u0025252541', '%2E%2E']) {
      const out = scrubSecrets(`/x?k=${key}${tail}`)
      expect(out, tail).not.toContain(secret.slice(0, 20))
      expect(out, tail).toMatch(/^\/x\?k=\[api-key\]$/)
    }
  })

  it('keeps what came before a secret in the same run (a probe\'s path), masking from the secret on', () => {
    const { key, secret } = generateApiKey('kg_live')
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    expect(scrubSecrets(`/x/%2e%2e%2f%2e%2e%2fetc%2fpasswd.${jwt}`)).toBe('/x/../../etc/passwd.[jwt]')
    expect(scrubSecrets(`/x/..%2f${key}`)).toBe('/x/../[api-key]')
    // A key before a token in one run is masked too.
    const out = scrubSecrets(`/x/${key}.${jwt}`)
    expect(out).toBe('/x/[api-key][jwt]')
    expect(out).not.toContain(secret.slice(0, 20))
  })

  it('stays linear on long runs that are no secret (a client chooses its URL)', () => {
    // Quadratic matching took seconds on 16 KB; this is 256 KB of each shape, under the test's timeout.
    for (const run of ['ey'.repeat(131_072), 'a'.repeat(262_144), `%2525${'eyey'.repeat(65_536)}`, `kg_live_${'A'.repeat(262_144)}`, `${'ab'.repeat(131_072)}Z_a_b_c`, `${'ey.'.repeat(87_381)}`]) {
      expect(scrubSecrets(`/?q=${run}`)).toBe(`/?q=${run}`)
    }
  }, 2_000)
})
