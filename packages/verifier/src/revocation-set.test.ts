import { describe, expect, it } from 'vitest'
import { ALL_GENERATIONS, type RevocationMessage } from '@keygate/protocol'
import { RevocationSet } from './revocation-set.ts'
import type { Principal } from './verify.ts'

const T = 1_900_000_000_000
const message = (m: Partial<RevocationMessage>): RevocationMessage => ({ seq: 1, epoch: 'e', kind: 'token', subject: 'x', generation: 0, expiresAt: T + 60_000, ...m })
const principal = (p: Partial<Principal> = {}): Principal => ({ sub: 's', clientId: 'key-1', scopes: [], jti: 'jti-1', exp: 0, iat: 0, kid: 'kid-1', keyGeneration: 5, ...p })

describe('RevocationSet', () => {
  it('refuses a revoked jti, and only it', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'token', subject: 'jti-1' }))
    expect(set.has(principal())).toBe(true)
    expect(set.has(principal({ jti: 'jti-2' }))).toBe(false)
    expect(set.size).toBe(1)
  })

  it('refuses a key\'s tokens below the revoked generation, not at or above it', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'key', subject: 'key-1', generation: 5 }))
    expect(set.has(principal({ keyGeneration: 4 }))).toBe(true)
    expect(set.has(principal({ keyGeneration: 5 }))).toBe(false)
    expect(set.has(principal({ keyGeneration: 6 }))).toBe(false)
    expect(set.has(principal({ clientId: 'key-2', keyGeneration: 0 }))).toBe(false)
    set.apply(message({ kind: 'key', subject: 'key-1', generation: ALL_GENERATIONS }))
    expect(set.has(principal({ keyGeneration: 1_000_000 }))).toBe(true)
  })

  it('refuses every token of a revoked signing key', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'signing-key', subject: 'kid-1' }))
    expect(set.has(principal())).toBe(true)
    expect(set.has(principal({ kid: 'kid-2' }))).toBe(false)
  })

  it('keeps the higher generation and the later expiry when a key is revoked again, whatever the order', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'key', subject: 'key-1', generation: 7, expiresAt: T + 1000 }))
    set.apply(message({ kind: 'key', subject: 'key-1', generation: 3, expiresAt: T + 5000 }))
    expect(set.has(principal({ keyGeneration: 6 }))).toBe(true)
    set.prune(T + 4999)
    expect(set.has(principal({ keyGeneration: 6 }))).toBe(true)
    set.prune(T + 5000)
    expect(set.has(principal({ keyGeneration: 6 }))).toBe(false)
    expect(set.size).toBe(0)
  })

  it('keeps the later expiry of a signing key revoked twice', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'signing-key', subject: 'kid-1', expiresAt: T + 9000 }))
    set.apply(message({ kind: 'signing-key', subject: 'kid-1', expiresAt: T + 1000 }))
    set.prune(T + 8999)
    expect(set.has(principal())).toBe(true)
    set.prune(T + 9000)
    expect(set.has(principal())).toBe(false)
  })

  it('drops each kind of entry at its expiry, never a millisecond before', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'token', subject: 'jti-1', expiresAt: T + 2500 }))
    set.apply(message({ kind: 'key', subject: 'key-1', generation: 9, expiresAt: T + 2500 }))
    set.apply(message({ kind: 'signing-key', subject: 'kid-1', expiresAt: T + 2500 }))
    set.apply(message({ kind: 'token', subject: 'jti-later', expiresAt: T + 10_000 }))
    set.prune(T + 2499)
    expect(set.size).toBe(4)
    expect(set.has(principal({ clientId: 'none', kid: 'none' }))).toBe(true)
    expect(set.has(principal({ jti: 'none', kid: 'none' }))).toBe(true)
    expect(set.has(principal({ jti: 'none', clientId: 'none' }))).toBe(true)
    // A token entry keeps whole seconds, rounded up: it may outlive its millisecond, never fall short of it.
    set.prune(T + 3000)
    expect(set.size).toBe(1)
    expect(set.has(principal({ jti: 'jti-later', clientId: 'none', kid: 'none' }))).toBe(true)
  })

  it('prunes each entry at its own expiry when pruning waits for the earliest one, whatever the kinds and order', () => {
    const set = new RevocationSet()
    set.apply(message({ kind: 'token', subject: 'jti-a', expiresAt: T + 1000 }))
    set.apply(message({ kind: 'token', subject: 'jti-b', expiresAt: T + 3000 }))
    set.apply(message({ kind: 'key', subject: 'key-1', generation: 9, expiresAt: T + 2000 }))
    set.apply(message({ kind: 'signing-key', subject: 'kid-1', expiresAt: T + 2500 }))
    set.prune(T + 999)
    expect(set.size).toBe(4)
    set.prune(T + 1000)
    expect(set.has(principal({ jti: 'jti-a', kid: 'kid-2', keyGeneration: 9 }))).toBe(false)
    expect(set.size).toBe(3)
    // The next earliest is the key's, not the token's that was added before it.
    set.prune(T + 1999)
    expect(set.has(principal({ jti: 'jti-x', kid: 'kid-2', keyGeneration: 8 }))).toBe(true)
    set.prune(T + 2000)
    expect(set.has(principal({ jti: 'jti-x', kid: 'kid-2', keyGeneration: 8 }))).toBe(false)
    set.prune(T + 2500)
    expect(set.has(principal({ jti: 'jti-x', kid: 'kid-1' }))).toBe(false)
    expect(set.has(principal({ jti: 'jti-b', kid: 'kid-2' }))).toBe(true)
    set.prune(T + 3000)
    expect(set.size).toBe(0)
  })
})
