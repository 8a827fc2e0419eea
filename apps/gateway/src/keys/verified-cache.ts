// Spares Argon2 for a key presented again: remembers which presented secrets verified against which stored
// hash (for a window), and lets concurrent presentations of one secret share a single verification.
// Past that window a presentation is still recognised (for longer): it is verified again, but as the
// holder's, not as a guess, so the per-key failure limit does not stand in its way.
// Holds nothing secret: entries are keyed by an HMAC of the presented key under a random per-process key,
// and map to the public keyId and the (already stored) hash they matched.
import { createHmac, randomBytes } from 'node:crypto'

export interface VerifiedCache {
  /**
   * Whether `secret` matches `secretHash`: from the window, from a verification in flight, or by `verify`,
   * told whether this presentation verified before (within the recognition window).
   */
  check (keyId: string, secret: string, secretHash: string, verify: (recognised: boolean) => Promise<boolean>): Promise<boolean>
  /** Drops every entry of a key (revoke, disable, rotate). */
  forget (keyId: string): void
  readonly size: number
}

interface Entry { keyId: string, secretHash: string, until: number, recognisedUntil: number }

/** How long a presentation that verified stays recognised, past its exchange-cache window. */
export const RECOGNITION_MS = 3_600_000

export function createVerifiedCache (ttlMs: number, maxEntries: number, now: () => number = Date.now, recognitionMs = Math.max(ttlMs, RECOGNITION_MS)): VerifiedCache {
  const macKey = randomBytes(32)
  const entries = new Map<string, Entry>()
  const inFlight = new Map<string, Promise<boolean>>()
  const mac = (keyId: string, secret: string, secretHash: string): string =>
    createHmac('sha256', macKey).update(keyId).update('\0').update(secret).update('\0').update(secretHash).digest('base64url')

  function lookup (id: string): Entry | undefined {
    const entry = entries.get(id)
    if (entry === undefined || entry.recognisedUntil > now()) return entry
    entries.delete(id)
    return undefined
  }

  function remember (id: string, keyId: string, secretHash: string): void {
    entries.delete(id)
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
    const t = now()
    entries.set(id, { keyId, secretHash, until: t + ttlMs, recognisedUntil: t + recognitionMs })
  }

  return {
    get size () { return entries.size },
    async check (keyId, secret, secretHash, verify) {
      const id = mac(keyId, secret, secretHash)
      const entry = lookup(id)
      if (entry !== undefined && entry.until > now()) return true
      const running = inFlight.get(id)
      if (running) return running
      const verification = verify(entry !== undefined).then((valid) => {
        if (valid) remember(id, keyId, secretHash)
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
