// The relay: publishes committed revocations from the Postgres outbox to Redis (sorted set + pub/sub),
// in order, exactly one relay at a time (advisory lock), retrying until Redis takes them: none is lost.
// When Redis has lost its data (no epoch), or lost writes (it holds less than Postgres recorded as published
// to this epoch: an older position, fewer live entries), it rebuilds the stream from Postgres under a new epoch.
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { RedisClient } from '@keygate/verifier'
import { type RevocationKeys, encodeRevocation } from '@keygate/protocol'
import { announceRetirements } from '../tokens/signing-keys.ts'
import { type PublishableRevocation, REVOCATION_CHANNEL, countPending, markPublished, publishedIn, pruneRevocations, revocationsInForce } from './store.ts'

const RELAY_LOCK_ID = 0x6b67726c
const BATCH = 200
const REBUILD_BATCH = 1000

// KEYS: set, seq, epoch, channel. ARGV: epoch, kind, subject, generation, expiresAt.
// Returns the new sequence, or -1 when the epoch changed under us (Redis was reset).
const PUBLISH_SCRIPT = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local seq = redis.call('INCR', KEYS[2])
local msg = '[' .. seq .. ',' .. cjson.encode(ARGV[1]) .. ',' .. cjson.encode(ARGV[2]) .. ',' .. cjson.encode(ARGV[3]) .. ',' .. ARGV[4] .. ',' .. ARGV[5] .. ']'
redis.call('ZADD', KEYS[1], ARGV[5], msg)
redis.call('PUBLISH', KEYS[4], msg)
return seq`

// The end of a rebuild, at once: the set built aside replaces the live one with the new position and epoch,
// so that no reader sees a part of it under either epoch. KEYS: the set built aside, set, seq, epoch,
// channel. ARGV: last sequence, epoch, last message ('' for none).
const COMMIT_REBUILD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[2]) else redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[2])
if ARGV[3] ~= '' then redis.call('PUBLISH', KEYS[5], ARGV[3]) end
return 1`

export interface RelayLog {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
}

export interface RevocationRelay {
  /** Publishes whatever is pending now (the relay also does on every notification and poll). */
  drain (withHousekeeping?: boolean): Promise<void>
  stop (): Promise<void>
  readonly leader: boolean
  /** Revocations committed but not yet published, and the oldest one's wait in seconds, as the leader last counted them (each poll); undefined elsewhere. */
  readonly pending: { count: number, oldestSeconds: number } | undefined
  /** Publications that failed since start (a drain that could not reach Redis counts once). */
  readonly publishErrors: number
  /** `failing` while this replica leads and its last publication failed (or Redis cannot be reached). */
  readonly state: 'publishing' | 'failing' | 'standby'
}

export interface RelayOptions {
  pool: pg.Pool
  redis: RedisClient
  keys: RevocationKeys
  log: RelayLog
  pollIntervalMs?: number
}

export function startRevocationRelay ({ pool, redis, keys, log, pollIntervalMs = 1_000 }: RelayOptions): RevocationRelay {
  let stopped = false
  let leader = false
  let epoch: string | undefined
  let running: Promise<void> | undefined
  let lockClient: pg.PoolClient | undefined
  let lastPrune = 0
  let pending: { count: number, oldestSeconds: number } | undefined
  let failing = false
  let publishErrors = 0

  // One warning per episode of failure, one line when it ends: not one a second while Redis is away.
  function failed (err: unknown): void {
    publishErrors++
    if (!failing) log.warn({ err }, 'revocation relay: publish failed, will retry')
    failing = true
  }
  function succeeded (): void {
    if (failing) log.info({}, 'revocation relay: publishing again')
    failing = false
  }

  async function publish (r: PublishableRevocation, currentEpoch: string): Promise<number> {
    return await redis.eval(PUBLISH_SCRIPT, 4, keys.set, keys.seq, keys.epoch, keys.channel,
      currentEpoch, r.kind, r.subject, r.generation, r.expiresAt.getTime()) as number
  }

  // Redis without our epoch lost its data (restart without persistence, failover, flush): rebuild it, the
  // epoch last. A verifier that loads meanwhile finds no epoch and stays stale; one that finds the epoch
  // finds every live revocation beside it. One message then tells subscribed verifiers to reload.
  async function ensureEpoch (): Promise<string> {
    const current = await redis.get(keys.epoch)
    return current ?? rebuild()
  }

  // Redis holds less than Postgres recorded as published: an older epoch than the last one published to
  // (an old dump), or under this epoch an older position or fewer entries live at one instant T (both
  // sides count against the same T, from this process's clock, so neither expiry nor clock skew between
  // Redis and Postgres looks like a loss).
  async function lostWrites (current: string): Promise<boolean> {
    const at = Date.now()
    const replies = await redis.multi().get(keys.seq).zcount(keys.set, at, '+inf').exec()
    if (!replies) return false
    const [[seqErr, seq], [countErr, live]] = replies as [[Error | null, string | null], [Error | null, number]]
    if (seqErr || countErr) throw seqErr ?? countErr
    const recorded = await publishedIn(pool, current, at)
    if (recorded.latestEpoch !== undefined && recorded.latestEpoch !== current) return true
    return Number(seq ?? 0) < recorded.lastSeq || live < recorded.live
  }

  async function rebuild (): Promise<string> {
    const next = randomBytes(8).toString('hex')
    const live = await revocationsInForce(pool, { pending: false })
    const messages = live.map((r, i) => encodeRevocation({
      seq: i + 1, epoch: next, kind: r.kind, subject: r.subject, generation: r.generation, expiresAt: r.expiresAt.getTime()
    }))
    // Built aside (the same hash slot: the name extends the set's), put in place by the commit script.
    const aside = `${keys.set}:rebuild`
    await redis.del(aside)
    for (let i = 0; i < live.length; i += REBUILD_BATCH) {
      const members = live.slice(i, i + REBUILD_BATCH).flatMap((r, j) => [r.expiresAt.getTime(), messages[i + j] as string])
      await redis.zadd(aside, ...members)
    }
    await redis.eval(COMMIT_REBUILD_SCRIPT, 5, aside, keys.set, keys.seq, keys.epoch, keys.channel, live.length, next, messages.at(-1) ?? '')
    await markPublished(pool, next, live.map((r, i) => [r.outboxSeq, i + 1]))
    log.info({ epoch: next, republished: live.length }, 'revocation stream rebuilt from Postgres')
    return next
  }

  // The fast path, on every notification: publish what is pending. A Redis reset since the last epoch was
  // read shows as -1 from the script, and the stream is rebuilt before going on.
  async function publishPending (): Promise<void> {
    epoch ??= await ensureEpoch()
    for (;;) {
      const batch = await revocationsInForce(pool, { pending: true, limit: BATCH })
      for (const r of batch) {
        const seq = await publish(r, epoch)
        if (seq === -1) {
          epoch = await ensureEpoch()
          return publishPending()
        }
        await markPublished(pool, epoch, [[r.outboxSeq, seq]])
      }
      if (batch.length < BATCH) return
    }
  }

  // On every poll: notice a Redis that lost its data or some of its writes while nothing was pending, announce the signing-key
  // retirements that came due, and now and then drop what has expired.
  async function housekeep (): Promise<void> {
    epoch = await ensureEpoch()
    if (await lostWrites(epoch)) {
      log.warn({ epoch }, 'revocation relay: Redis holds less than was published to it (lost writes); rebuilding the stream')
      epoch = await rebuild()
    }
    await announceRetirements(pool)
    if (Date.now() - lastPrune > 60_000) {
      lastPrune = Date.now()
      await redis.zremrangebyscore(keys.set, '-inf', Date.now())
      await pruneRevocations(pool)
    }
  }

  // One drain at a time. A call during a drain gets the next one, which starts when it ends: whatever was
  // committed before the call is published when its promise resolves.
  let followUp: Promise<void> | undefined
  let followUpHousekeeping = false
  function drain (withHousekeeping = false): Promise<void> {
    // Not connected yet (or any more): the 'ready' event drains as soon as it is.
    if (!leader || stopped) return Promise.resolve()
    if (redis.status !== 'ready') {
      failed(new Error(`redis is ${redis.status}`))
      return Promise.resolve()
    }
    if (running) {
      followUpHousekeeping ||= withHousekeeping
      followUp ??= running.then(() => {
        followUp = undefined
        const housekeeping = followUpHousekeeping
        followUpHousekeeping = false
        return drain(housekeeping)
      })
      return followUp
    }
    running = (withHousekeeping ? housekeep() : Promise.resolve()).then(publishPending)
      .then(succeeded, (err: unknown) => {
        epoch = undefined
        failed(err)
      })
      .finally(() => { running = undefined })
    return running
  }

  // drain() and lead() handle their own errors: this only starts one without waiting for it.
  function kick (task: () => Promise<void> = () => drain()): void {
    task().catch(() => {})
  }

  // The session that holds the lock, leader or standby. Its errors are handled from the start: a standby's
  // session ended by Postgres (a restart, a failover) must not take the process down with it.
  async function connectLockClient (): Promise<pg.PoolClient> {
    const client = await pool.connect()
    client.on('notification', () => kick())
    client.on('error', (err) => {
      if (lockClient !== client) return
      if (leader) log.warn({ err }, 'revocation relay: lost its Postgres session; leading again once it can')
      leader = false
      lockClient = undefined
      client.release(true)
    })
    return client
  }

  // One attempt at a time: a poll that comes while a connect is pending waits for it, rather than opening
  // a second session and orphaning one of them.
  let leading: Promise<void> | undefined
  function lead (): Promise<void> {
    leading ??= tryToLead().finally(() => { leading = undefined })
    return leading
  }

  async function tryToLead (): Promise<void> {
    try {
      lockClient ??= await connectLockClient()
      const { rows } = await lockClient.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK_ID])
      if (!rows[0]?.ok) return
      leader = true
      await lockClient.query(`LISTEN ${REVOCATION_CHANNEL}`)
      log.info({}, 'revocation relay: leading')
      await drain(true)
    } catch (err) {
      log.warn({ err }, 'revocation relay: cannot take the lead yet')
      leader = false
      lockClient?.release(true)
      lockClient = undefined
    }
  }

  const onRedisReady = (): void => kick(() => drain(true))
  redis.on('ready', onRedisReady)
  const timer = setInterval(() => {
    kick(leader ? () => drain(true) : lead)
    if (leader) countPending(pool).then((n) => { pending = n }, () => {})
    else pending = undefined
  }, pollIntervalMs)
  timer.unref()
  kick(lead)

  return {
    get leader () { return leader },
    get pending () { return pending },
    get publishErrors () { return publishErrors },
    get state () { return !leader ? 'standby' : failing ? 'failing' : 'publishing' },
    drain,
    async stop () {
      stopped = true
      clearInterval(timer)
      redis.off('ready', onRedisReady)
      await running
      if (lockClient) {
        // Ending the session releases the advisory lock and the LISTEN.
        lockClient.release(true)
        lockClient = undefined
      }
    }
  }
}
