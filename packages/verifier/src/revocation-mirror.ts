// A local copy of the live revocations, kept current from Redis: loaded at start, updated from pub/sub,
// resynced on every reconnect, on a gap in sequence numbers and on a new epoch. Per request: map lookups.
import { once } from 'node:events'
import { type ChainableCommander, Cluster } from 'ioredis'
import type { RedisClient } from './redis.ts'
import { type RevocationKeys, type RevocationMessage, decodeRevocation } from '@keygate/protocol'
import { RevocationSet } from './revocation-set.ts'
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
  redis: RedisClient
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

/** Longest wait for the command connection before a load gives up (and the heartbeat retries). */
const READY_WAIT_MS = 3_000

/** Runs a MULTI; throws if any of its commands failed. */
async function transaction (tx: ChainableCommander): Promise<void> {
  for (const [err] of await tx.exec() ?? []) if (err) throw err
}

export function createRevocationMirror (options: MirrorOptions): RevocationMirror {
  const { redis, keys, instanceId } = options
  const log = options.log ?? (() => {})
  const heartbeatMs = options.heartbeatMs ?? 2_000
  const now = options.now ?? Date.now
  const onSigningKeyRevoked = options.onSigningKeyRevoked ?? (() => {})
  // Its own connection, eager even when the given client is lazy: the subscription drives every load.
  // Its own connection: a subscribed connection takes no other command. A Cluster subscribes through one node.
  const subscriber: RedisClient = redis instanceof Cluster ? redis.duplicate() : redis.duplicate({ lazyConnect: false })
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

  // Only a current mirror reports: a stale one may have missed what it would claim to have applied.
  async function report (): Promise<void> {
    if (current) await writePosition()
  }

  // After each message: the position only, one command (the heartbeat keeps the registration fresh).
  async function reportApplied (): Promise<void> {
    if (current) await redis.hset(keys.applied, instanceId, `${epoch}:${lastSeq}`)
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
      const [e, s] = await redis.mget(keys.epoch, keys.seq)
      // No epoch: Redis is empty and the relay has not rebuilt the stream yet (a restart, a flush). An empty
      // list now would forget every revocation: stay stale and try again at the next heartbeat.
      if (e === null) throw new Error('no revocation stream in Redis yet')
      // The same epoch but fewer messages than applied here: Redis lost writes (a failover to a replica that
      // missed them, an old snapshot). Keep what is known and stay stale until the relay rebuilds the stream.
      const seq = Number(s ?? 0)
      if (e === epoch && seq < lastSeq) throw new Error(`the revocation stream went back from ${lastSeq} to ${seq}`)
      const next = new RevocationSet()
      const loadedAt = now()
      for await (const page of redis.zscanStream(keys.set, { count: 500 }) as AsyncIterable<string[]>) {
        // Members and scores alternate; a member whose expiry has passed is left out.
        for (let i = 0; i < page.length; i += 2) {
          if (Number(page[i + 1]) <= loadedAt) continue
          const m = decodeRevocation(page[i] as string)
          if (m) apply(next, m)
        }
      }
      revoked = next
      epoch = e
      lastSeq = seq
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
    reportApplied().catch(() => {})
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
  // Never current unless subscribed: it would report revocations applied that it cannot hear of.
  let subscribed = false
  async function connect (): Promise<void> {
    try {
      await subscriber.subscribe(keys.channel)
      subscribed = true
    } catch (err) {
      markStale('subscribe failed')
      log('subscribe failed', { err })
      return
    }
    await resync()
  }
  // Start-up waits for the first load, but not for ever: without Redis the mirror starts stale.
  let markReady = (): void => {}
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
    setTimeout(resolve, options.startTimeoutMs ?? 3_000).unref()
  })
  subscriber.on('ready', () => { connect().finally(markReady).catch(() => {}) })
  subscriber.on('close', () => {
    subscribed = false
    markStale('connection closed')
  })
  // Errors come with every failed reconnect; 'close' has said what matters.
  subscriber.on('error', () => {})

  // Heartbeat: proves the path to Redis works (a silent network would otherwise look current), reports
  // the applied position, and drops expired entries.
  const timer = setInterval(() => {
    revoked.prune(now())
    // Not subscribed: a load now would report current while missing what is published meanwhile.
    if (!subscribed) {
      if (subscriber.status === 'ready') connect().catch(() => {})
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
