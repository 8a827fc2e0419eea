// Spares Argon2 for a key presented again: remembers which presented secrets verified against which stored
// hash (for a window), and lets concurrent presentations of one secret share a single verification.
// Holds nothing secret: entries are keyed by an HMAC of the presented key under a random per-process key,
// and map to the public keyId and the (already stored) hash they matched.
import { createHmac, randomBytes } from 'node:crypto'

export interface VerifiedCache {
  /** Whether `secret` matches `secretHash`: from the window, from a verification in flight, or by `verify`. */
  check (keyId: string, secret: string, secretHash: string, verify: () => Promise<boolean>): Promise<boolean>
  /** Drops every entry of a key (revoke, disable, rotate). */
  forget (keyId: string): void
  readonly size: number
}

interface Entry { keyId: string, secretHash: string, until: number }

export function createVerifiedCache (ttlMs: number, maxEntries: number, now: () => number = Date.now): VerifiedCache {
  const macKey = randomBytes(32)
  const entries = new Map<string, Entry>()
  const inFlight = new Map<string, Promise<boolean>>()
  const mac = (keyId: string, secret: string, secretHash: string): string =>
    createHmac('sha256', macKey).update(keyId).update('\0').update(secret).update('\0').update(secretHash).digest('base64url')

  function remembered (id: string): boolean {
    const entry = entries.get(id)
    if (!entry) return false
    if (entry.until > now()) return true
    entries.delete(id)
    return false
  }

  return {
    get size () { return entries.size },
    async check (keyId, secret, secretHash, verify) {
      const id = mac(keyId, secret, secretHash)
      if (remembered(id)) return true
      const running = inFlight.get(id)
      if (running) return running
      const verification = verify().then((valid) => {
        if (valid && ttlMs > 0) {
          if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
          entries.set(id, { keyId, secretHash, until: now() + ttlMs })
        }
        return valid
      }).finally(() => inFlight.delete(id))
      inFlight.set(id, verification)
      return verification
    },
    forget (keyId) {
      for (const [id, entry] of entries) if (entry.keyId === keyId) entries.delete(id)
    }
  }
}
