import { describe, expect, it } from 'vitest'
import { narrowsPolicy } from './policy.ts'

const key = { scopes: ['orders:read', 'orders:write'], audiences: ['orders'] }

describe('narrowsPolicy', () => {
  it('is true when a scope or an audience is taken away', () => {
    expect(narrowsPolicy(key, { scopes: ['orders:read'] })).toBe(true)
    expect(narrowsPolicy(key, { scopes: [] })).toBe(true)
    expect(narrowsPolicy(key, { audiences: ['billing'] })).toBe(true)
    expect(narrowsPolicy(key, { scopes: ['orders:read', 'orders:write', 'x'], audiences: [] })).toBe(true)
  })

  it('counts the default audience of a key that lists none as one it has', () => {
    expect(narrowsPolicy({ scopes: [], audiences: [] }, { audiences: ['orders'] })).toBe(true)
    expect(narrowsPolicy({ scopes: [], audiences: [] }, { audiences: [] })).toBe(false)
  })

  it('is false when the change only widens or leaves scopes and audiences alone', () => {
    expect(narrowsPolicy(key, { scopes: ['orders:write', 'orders:read', 'x'] })).toBe(false)
    expect(narrowsPolicy(key, { audiences: ['orders', 'billing'] })).toBe(false)
    expect(narrowsPolicy(key, { name: 'renamed', ipAllowlist: ['10.0.0.0/8'] })).toBe(false)
  })
})
