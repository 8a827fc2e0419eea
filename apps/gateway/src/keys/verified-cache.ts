// Remembers which presented secrets verified against which stored hash, so that a key used again within the
// window skips Argon2. Holds nothing secret: entries are keyed by an HMAC of the presented key under a random
// per-process key, and map to the public keyId and the (already stored) hash they matched.
import { createHmac, randomBytes } from 'node:crypto'

export interface VerifiedCache {
  /** True when this presented secret verified against exactly this hash within the window. */
  has (keyId: string, secret: string, secretHash: string, now?: number): boolean
  remember (keyId: string, secret: string, secretHash: string, now?: number): void
  /** Drops every entry of a key (revoke, disable, rotate). */
  forget (keyId: string): void
  readonly size: number
}

interface Entry { keyId: string, secretHash: string, until: number }

export function createVerifiedCache (ttlMs: number, maxEntries: number): VerifiedCache {
  const macKey = randomBytes(32)
  const entries = new Map<string, Entry>()
  const mac = (keyId: string, secret: string): string => createHmac('sha256', macKey).update(keyId).update('\0').update(secret).digest('base64url')

  return {
    get size () { return entries.size },
    has (keyId, secret, secretHash, now = Date.now()) {
      if (ttlMs === 0) return false
      const id = mac(keyId, secret)
      const entry = entries.get(id)
      if (!entry) return false
      if (entry.until <= now || entry.secretHash !== secretHash) {
        entries.delete(id)
        return false
      }
      return true
    },
    remember (keyId, secret, secretHash, now = Date.now()) {
      if (ttlMs === 0) return
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(mac(keyId, secret), { keyId, secretHash, until: now + ttlMs })
    },
    forget (keyId) {
      for (const [id, entry] of entries) if (entry.keyId === keyId) entries.delete(id)
    }
  }
}
