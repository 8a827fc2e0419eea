// The revocations in force in a verifier: tokens by jti, keys by their lowest valid generation, signing keys
// by kid; each kept until nothing it voids can still verify. What a request is checked against.
import type { RevocationMessage } from '@keygate/protocol'
import type { Principal } from './verify.ts'

interface KeyEntry { generation: number, expiresAt: number }

// Token entries keep their expiry in whole seconds after this module loaded: a small integer is stored in
// the map itself, where a millisecond timestamp would cost a heap number per revoked token. An expiry
// rounds up and the clock rounds down, so an entry is never dropped before its token stops verifying.
const startSeconds = Math.floor(Date.now() / 1000)
const expirySecondsOf = (ms: number): number => Math.ceil(ms / 1000) - startSeconds
const clockSecondsOf = (ms: number): number => Math.floor(ms / 1000) - startSeconds

/**
 * The revocations in force: what a request is checked against, replaced whole by a reload. Pruning looks
 * at the entries only once the earliest of them has expired, and then without allocating: a heartbeat that
 * walked 100,000 entries every 2 s would keep V8 from ever seeing the heap idle and giving back the memory
 * a full load grew.
 */
export class RevocationSet {
  private readonly tokens = new Map<string, number>()
  private readonly keys = new Map<string, KeyEntry>()
  private readonly signingKeys = new Map<string, number>()
  /** No entry expires before this (ms). */
  private earliest = Number.POSITIVE_INFINITY

  get size (): number {
    return this.tokens.size + this.keys.size + this.signingKeys.size
  }

  /** Adds a revocation; a second one of the same key keeps the higher generation and the later expiry. */
  apply (m: RevocationMessage): void {
    if (m.kind === 'token') {
      this.tokens.set(m.subject, expirySecondsOf(m.expiresAt))
    } else if (m.kind === 'signing-key') {
      this.signingKeys.set(m.subject, Math.max(this.signingKeys.get(m.subject) ?? 0, m.expiresAt))
    } else {
      const previous = this.keys.get(m.subject)
      this.keys.set(m.subject, {
        generation: Math.max(previous?.generation ?? 0, m.generation),
        expiresAt: Math.max(previous?.expiresAt ?? 0, m.expiresAt)
      })
    }
    this.earliest = Math.min(this.earliest, m.expiresAt)
  }

  /** Whether the token's jti, its key's generation or its signing key is revoked. */
  has (p: Principal): boolean {
    if (this.tokens.has(p.jti) || this.signingKeys.has(p.kid)) return true
    const key = this.keys.get(p.clientId)
    return key !== undefined && p.keyGeneration < key.generation
  }

  /** Drops every entry whose expiry is at or before `nowMs`, none before. */
  prune (nowMs: number): void {
    if (nowMs < this.earliest) return
    const seconds = clockSecondsOf(nowMs)
    let earliest = Number.POSITIVE_INFINITY
    this.tokens.forEach((exp, jti) => {
      if (exp <= seconds) this.tokens.delete(jti)
      else earliest = Math.min(earliest, (exp + startSeconds) * 1000)
    })
    this.keys.forEach((entry, keyId) => {
      if (entry.expiresAt <= nowMs) this.keys.delete(keyId)
      else earliest = Math.min(earliest, entry.expiresAt)
    })
    this.signingKeys.forEach((expiresAt, kid) => {
      if (expiresAt <= nowMs) this.signingKeys.delete(kid)
      else earliest = Math.min(earliest, expiresAt)
    })
    this.earliest = earliest
  }
}
