// Revocations on the wire: the Redis keys and channel, and the message codec shared by relay and verifiers.

/**
 * `key`: tokens of a keyId whose key generation (`kgen`) is below `generation` are void (a final revoke
 * voids every generation); `token`: one jti; `signing-key`: every token signed by a kid.
 */
export type RevocationKind = 'key' | 'token' | 'signing-key'

/** The generation of a final key revocation: every token of the key, whatever its `kgen`. */
export const ALL_GENERATIONS = Number.MAX_SAFE_INTEGER

/** One revocation. Nothing can need it after `expiresAt`. */
export interface RevocationMessage {
  /** Position in the published stream, contiguous from 1 within an epoch. */
  seq: number
  /** Changes whenever Redis lost its data and the stream was rebuilt: a verifier then resyncs. */
  epoch: string
  kind: RevocationKind
  /** A keyId, a jti or a kid. */
  subject: string
  /** For `key`: the lowest key generation still valid (ALL_GENERATIONS: none); 0 for the other kinds. */
  generation: number
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

const KINDS = new Set<string>(['key', 'token', 'signing-key'])

/**
 * A message as it travels: a JSON array, compact and in a fixed order.
 *
 * @example encodeRevocation({ seq: 1, epoch: 'e', kind: 'token', subject: 'j', generation: 0, expiresAt: 1 }) // '[1,"e","token","j",0,1]'
 */
export function encodeRevocation (message: RevocationMessage): string {
  return JSON.stringify([message.seq, message.epoch, message.kind, message.subject, message.generation, message.expiresAt])
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
  const [seq, epoch, kind, subject, generation, expiresAt] = value as unknown[]
  if (!Number.isSafeInteger(seq) || typeof epoch !== 'string' || typeof kind !== 'string' || !KINDS.has(kind) ||
    typeof subject !== 'string' || !Number.isSafeInteger(generation) || (generation as number) < 0 || !Number.isFinite(expiresAt)) return undefined
  return { seq: seq as number, epoch, kind: kind as RevocationKind, subject, generation: generation as number, expiresAt: expiresAt as number }
}
