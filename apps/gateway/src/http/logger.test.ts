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

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('/admin/keys?owner=team_a')).toBe('/admin/keys?owner=team_a')
  })
})
