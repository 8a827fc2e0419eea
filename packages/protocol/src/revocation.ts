// Revocations on the wire: the Redis keys and channel, and the message codec shared by relay and verifiers.

export type RevocationKind = 'key' | 'token' | 'owner'

/**
 * One revocation. `key` and `owner` void the tokens of a keyId or owner issued at or before `revokedAt`;
 * `token` voids one jti. Nothing can need it after `expiresAt`.
 */
export interface RevocationMessage {
  /** Position in the published stream, contiguous from 1 within an epoch. */
  seq: number
  /** Changes whenever Redis lost its data and the stream was rebuilt: a verifier then resyncs. */
  epoch: string
  kind: RevocationKind
  subject: string
  /** ms since the epoch */
  revokedAt: number
  /** ms since the epoch */
  expiresAt: number
}

/** Redis names under a prefix (one per deployment, or per test). */
export interface RevocationKeys {
  /** Sorted set of encoded messages scored by `expiresAt`. */
  set: string
  /** Last sequence published. */
  seq: string
  /** Current epoch. */
  epoch: string
  /** Pub/sub channel of encoded messages. */
  channel: string
  /** Sorted set: verifier id scored by its last heartbeat (ms). */
  verifiers: string
  /** Hash: verifier id → last sequence applied (`epoch:seq`). */
  applied: string
}

/**
 * The Redis names for a prefix.
 *
 * @example revocationKeys('keygate:').channel // 'keygate:revocations:events'
 */
export function revocationKeys (prefix = 'keygate:'): RevocationKeys {
  return {
    set: `${prefix}revocations`,
    seq: `${prefix}revocations:seq`,
    epoch: `${prefix}revocations:epoch`,
    channel: `${prefix}revocations:events`,
    verifiers: `${prefix}verifiers:heartbeat`,
    applied: `${prefix}verifiers:applied`
  }
}

const KINDS = new Set<string>(['key', 'token', 'owner'])

export function encodeRevocation (message: RevocationMessage): string {
  return JSON.stringify([message.seq, message.epoch, message.kind, message.subject, message.revokedAt, message.expiresAt])
}

/** The message, or undefined for anything that is not one (never throws). */
export function decodeRevocation (text: string): RevocationMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!Array.isArray(value) || value.length !== 6) return undefined
  const [seq, epoch, kind, subject, revokedAt, expiresAt] = value as unknown[]
  if (!Number.isSafeInteger(seq) || typeof epoch !== 'string' || typeof kind !== 'string' || !KINDS.has(kind) ||
    typeof subject !== 'string' || !Number.isFinite(revokedAt) || !Number.isFinite(expiresAt)) return undefined
  return { seq: seq as number, epoch, kind: kind as RevocationKind, subject, revokedAt: revokedAt as number, expiresAt: expiresAt as number }
}
