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
})
