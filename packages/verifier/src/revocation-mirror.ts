// A local copy of the live revocations, kept current from Redis: loaded at start, updated from pub/sub,
// resynced on every reconnect, on a gap in sequence numbers and on a new epoch. Per request: map lookups.
import { once } from 'node:events'
import type { ChainableCommander, Redis } from 'ioredis'
import { type RevocationKeys, type RevocationMessage, decodeRevocation } from '@keygate/protocol'
import type { Principal } from './verify.ts'

export type MirrorState = 'current' | 'stale'

export interface MirrorStatus {
  state: MirrorState
  /** ms since the mirror was last known current; 0 when current. */
  staleForMs: number
  epoch: string | undefined
  lastSeq: number
  size: number
}

export interface RevocationMirror {
  /** Whether the token's jti, its key's generation or its signing key has been revoked. */
  isRevoked (principal: Principal): boolean
  /** Drops what no token can need any more (the heartbeat does it too). */
  prune (): void
  /** 0 while current; otherwise how long it has not been, ms (cheap: no allocation). */
  staleForMs (): number
  status (): MirrorStatus
  /** Resolves once the first full load is done (or failed: the mirror then starts stale). */
  readonly ready: Promise<void>
  stop (): Promise<void>
}

export interface MirrorOptions {
  redis: Redis
  keys: RevocationKeys
  instanceId: string
  heartbeatMs?: number
  /** Longest wait for the first load at start. Default 3 000 ms. */
  startTimeoutMs?: number
  log?: (event: string, detail?: object) => void
  /** Told when a signing key's revocation is applied (the JWKS cache drops the kid). */
  onSigningKeyRevoked?: (kid: string) => void
  /** For tests: the clock entries expire by, ms. */
  now?: () => number
}

interface KeyEntry { generation: number, expiresAt: number }

// Token entries keep their expiry in whole seconds after this module loaded: a small integer is stored in
// the map itself, where a millisecond timestamp would cost a heap number per revoked token. An expiry
// rounds up and the clock rounds down, so an entry is never dropped before its token stops verifying.
const startSeconds = Math.floor(Date.now() / 1000)
const expirySecondsOf = (ms: number): number => Math.ceil(ms / 1000) - startSeconds
const clockSecondsOf = (ms: number): number => Math.floor(ms / 1000) - startSeconds

/** The revocations in force: what a request is checked against, replaced whole by a reload. */
class RevocationSet {
  readonly tokens = new Map<string, number>()
  readonly keys = new Map<string, KeyEntry>()
  readonly signingKeys = new Map<string, number>()

  get size (): number {
    return this.tokens.size + this.keys.size + this.signingKeys.size
  }

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
  }

  has (p: Principal): boolean {
    if (this.tokens.has(p.jti) || this.signingKeys.has(p.kid)) return true
    const key = this.keys.get(p.clientId)
    return key !== undefined && p.keyGeneration < key.generation
  }

  prune (nowMs: number): void {
    const seconds = clockSecondsOf(nowMs)
    for (const [jti, exp] of this.tokens) if (exp <= seconds) this.tokens.delete(jti)
    for (const [keyId, entry] of this.keys) if (entry.expiresAt <= nowMs) this.keys.delete(keyId)
    for (const [kid, expiresAt] of this.signingKeys) if (expiresAt <= nowMs) this.signingKeys.delete(kid)
  }
}

/** Longest wait for the command connection before a load gives up (and the heartbeat retries). */
const READY_WAIT_MS = 3_000

/** Runs a MULTI and returns its replies; throws if it aborted or any command failed. */
async function transaction (tx: ChainableCommander): Promise<unknown[]> {
  const results = await tx.exec()
  if (!results) throw new Error('transaction aborted')
  return results.map(([err, reply]) => {
    if (err) throw err
    return reply
  })
}

export function createRevocationMirror (options: MirrorOptions): RevocationMirror {
  const { redis, keys, instanceId } = options
  const log = options.log ?? (() => {})
  const heartbeatMs = options.heartbeatMs ?? 2_000
  const now = options.now ?? Date.now
  const onSigningKeyRevoked = options.onSigningKeyRevoked ?? (() => {})
  // Its own connection, eager even when the given client is lazy: the subscription drives every load.
  const subscriber = redis.duplicate({ lazyConnect: false })
  let revoked = new RevocationSet()
  let epoch: string | undefined
  let lastSeq = 0
  let current = false
  let staleSince = Date.now()
  let resyncing: Promise<void> | undefined

  function apply (into: RevocationSet, m: RevocationMessage): void {
    into.apply(m)
    if (m.kind === 'signing-key') onSigningKeyRevoked(m.subject)
  }

  function markStale (reason: string): void {
    if (current) {
      current = false
      staleSince = Date.now()
      log('stale', { reason })
    }
  }

  // Registers this verifier as live at its applied position: what propagation reports count.
  async function writePosition (): Promise<void> {
    await transaction(redis.multi()
      .zadd(keys.verifiers, Date.now(), instanceId)
      .hset(keys.applied, instanceId, `${epoch}:${lastSeq}`))
  }

  async function report (): Promise<void> {
    if (current && epoch !== undefined) await writePosition()
  }

  // While a full load runs, published messages wait here and are applied after it, in order.
  let buffered: RevocationMessage[] | undefined

  // The position first, then the set by cursor (ZSCAN returns every member present throughout, in small
  // batches: no 100,000-member reply to hold at once). Members published meanwhile arrive buffered.
  // The set is built aside and replaces the one in force only once complete: a load that fails half way
  // leaves the previous set in force. Current only once registered: a verifier that says it is current
  // is one that propagation counts.
  async function load (): Promise<void> {
    // The subscriber may be ready before the command connection: wait for it rather than fail the load.
    if (redis.status !== 'ready') await once(redis, 'ready', { signal: AbortSignal.timeout(READY_WAIT_MS) })
    buffered = []
    try {
      const [e, s] = await transaction(redis.multi().get(keys.epoch).get(keys.seq)) as [string | null, string | null]
      // No epoch: Redis is empty and the relay has not rebuilt the stream yet (a restart, a flush). An empty
      // list now would forget every revocation: stay stale and try again at the next heartbeat.
      if (e === null) throw new Error('no revocation stream in Redis yet')
      const next = new RevocationSet()
      const loadedAt = now()
      let cursor = '0'
      do {
        const [nextCursor, page] = await redis.zscan(keys.set, cursor, 'COUNT', 500)
        cursor = nextCursor
        for (let i = 0; i + 1 < page.length; i += 2) {
          if (Number(page[i + 1]) <= loadedAt) continue
          const m = decodeRevocation(page[i] as string)
          if (m) apply(next, m)
        }
      } while (cursor !== '0')
      revoked = next
      epoch = e
      lastSeq = Number(s ?? 0)
    } finally {
      const pending = buffered.sort((a, b) => a.seq - b.seq)
      buffered = undefined
      for (const m of pending) receive(m)
    }
    await writePosition()
    current = true
    log('resynced', { epoch, lastSeq, size: revoked.size })
  }

  function receive (m: RevocationMessage): void {
    if (buffered) {
      buffered.push(m)
      return
    }
    if (m.epoch !== epoch || m.seq > lastSeq + 1) {
      log('gap', { expected: lastSeq + 1, got: m.seq })
      resync().catch(() => {})
      return
    }
    if (m.seq <= lastSeq) return
    apply(revoked, m)
    lastSeq = m.seq
    report().catch(() => {})
  }

  function resync (): Promise<void> {
    resyncing ??= load()
      .catch((err: unknown) => {
        markStale('resync failed')
        log('resync failed', { err })
      })
      .finally(() => { resyncing = undefined })
    return resyncing
  }

  subscriber.on('message', (_channel: string, text: string) => {
    const m = decodeRevocation(text)
    if (m) receive(m)
  })
  // (Re)subscribe and reload on every connection: whatever was published while away is in the full load.
  async function connect (): Promise<void> {
    try {
      await subscriber.subscribe(keys.channel)
    } catch {
      markStale('subscribe failed')
      return
    }
    await resync()
  }
  let first: (() => void) | undefined
  subscriber.on('ready', () => { connect().finally(() => first?.()).catch(() => {}) })
  subscriber.on('close', () => markStale('connection closed'))
  subscriber.on('error', () => {})

  // Start-up waits for the first load, but not for ever: without Redis the mirror starts stale.
  const ready = new Promise<void>((resolve) => {
    first = resolve
    setTimeout(resolve, options.startTimeoutMs ?? 3_000).unref()
  })

  // Heartbeat: proves the path to Redis works (a silent network would otherwise look current), reports
  // the applied position, and drops expired entries.
  const timer = setInterval(() => {
    revoked.prune(now())
    if (subscriber.status !== 'ready') {
      markStale('subscriber not connected')
      return
    }
    if (!current) {
      resync().catch(() => {})
      return
    }
    report().catch(() => markStale('heartbeat failed'))
  }, heartbeatMs)
  timer.unref()

  return {
    ready,
    isRevoked: (p) => revoked.has(p),
    prune: () => revoked.prune(now()),
    staleForMs: () => current ? 0 : Date.now() - staleSince,
    status () {
      return {
        state: current ? 'current' : 'stale',
        staleForMs: current ? 0 : Date.now() - staleSince,
        epoch,
        lastSeq,
        size: revoked.size
      }
    },
    async stop () {
      clearInterval(timer)
      await redis.zrem(keys.verifiers, instanceId).catch(() => {})
      subscriber.disconnect()
    }
  }
}
