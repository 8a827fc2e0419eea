import { describe, expect, it } from 'vitest'
import { MAX_CLOCK_TOLERANCE_SECONDS } from '@keygate/protocol'
import { resolveOptions, type KeygateVerifierOptions } from './options.ts'

describe('resolveOptions', () => {
  it('fills the defaults and derives the JWKS URL from the issuer', () => {
    const o = resolveOptions({ issuer: 'https://auth.example.com/', audience: 'orders' }, 'host:1')
    expect(o).toMatchObject({
      issuer: 'https://auth.example.com',
      jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
      clockToleranceSeconds: 30,
      maxTokenLifetimeSeconds: 3600,
      maxRevocationStalenessMs: 30_000,
      failOpen: false,
      redisPrefix: 'keygate:',
      instanceId: 'host:1'
    })
    expect(Object.isFrozen(o)).toBe(true)
  })

  it('takes a clock tolerance up to the bound revocations are kept for', () => {
    expect(resolveOptions({ issuer: 'https://a.example', audience: 'x', clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS }, 'h').clockToleranceSeconds).toBe(MAX_CLOCK_TOLERANCE_SECONDS)
  })

  it.each<[string, Partial<KeygateVerifierOptions>]>([
    ['issuer', { issuer: 'not a url' }],
    ['issuer', { issuer: 'ftp://x' }],
    ['audience', { audience: '' }],
    ['audience', { audience: [] }],
    ['jwksUrl', { jwksUrl: 'nope' }],
    ['clockToleranceSeconds', { clockToleranceSeconds: -1 }],
    ['clockToleranceSeconds', { clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS + 1 }],
    ['maxTokenLifetimeSeconds', { maxTokenLifetimeSeconds: Number.NaN }],
    ['cacheSize', { cacheSize: 1e12 }]
  ])('refuses a bad %s with KG_VERIFIER_ERR_OPTIONS naming it', (option, bad) => {
    const base = { issuer: 'https://a.example', audience: 'x' }
    expect(() => resolveOptions({ ...base, ...bad } as KeygateVerifierOptions, 'h')).toThrow(expect.objectContaining({ code: 'KG_VERIFIER_ERR_OPTIONS', message: expect.stringContaining(option) }))
  })

  it.each([null, undefined, 'https://a.example'])('refuses %s in place of the options object', (bad) => {
    expect(() => resolveOptions(bad as unknown as KeygateVerifierOptions, 'h')).toThrow(expect.objectContaining({ code: 'KG_VERIFIER_ERR_OPTIONS', message: expect.stringContaining('options') }))
  })
})
