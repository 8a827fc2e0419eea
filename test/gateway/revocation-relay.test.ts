import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { decodeRevocation, revocationKeys } from '@keygate/protocol'
import { recordRevocation } from '../../apps/gateway/src/revocation/store.ts'
import { buildTestGateway } from '../support/gateway.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { until } from '../support/until.ts'

describe('revocation relay', () => {
  it('rebuilds a Redis that lost its data so that no reader ever sees the new epoch with part of the revocations', async () => {
    const prefix = redisPrefix()
    const gw = await buildTestGateway({ env: { REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix } })
    const relay = gw.app.revocationFanout?.relay
    if (!relay) throw new Error('the gateway has no relay')
    const keys = revocationKeys(prefix)
    const client = new Redis(redisUrl())
    const subscriber = new Redis(redisUrl())
    onTestFinished(() => { client.disconnect(); subscriber.disconnect() })

    const total = 300
    for (let i = 0; i < total; i++) await recordRevocation(gw.app.db, { kind: 'token', subject: `jti-${i}`, generation: 0, lifetimeSeconds: 600 })
    await until(async () => await client.zcard(keys.set) === total, 10_000)

    // Redis loses its data (a restart without persistence); readers keep reading meanwhile.
    const published: string[] = []
    await subscriber.subscribe(keys.channel)
    subscriber.on('message', (_channel: string, text: string) => { published.push(text) })
    await client.del(keys.epoch, keys.seq, keys.set)
    const seen: Array<{ epoch: string | null, size: number }> = []
    const probing = new AbortController()
    const probe = (async () => {
      while (!probing.signal.aborted) {
        const replies = await client.multi().get(keys.epoch).zcard(keys.set).exec()
        seen.push({ epoch: replies?.[0]?.[1] as string | null, size: replies?.[1]?.[1] as number })
      }
    })()
    await relay.drain()
    await until(async () => await client.get(keys.epoch) !== null, 10_000)
    probing.abort()
    await probe

    const epoch = await client.get(keys.epoch)
    expect(seen.filter((s) => s.epoch !== null && s.size !== total)).toEqual([])
    expect(await client.zcard(keys.set)).toBe(total)
    expect(Number(await client.get(keys.seq))).toBe(total)
    // Subscribed verifiers hear of the new epoch at once, and reload the whole set.
    await until(async () => published.some((text) => decodeRevocation(text)?.epoch === epoch), 2_000)
    // The stream goes on from there: the next revocation follows the rebuilt ones.
    await recordRevocation(gw.app.db, { kind: 'token', subject: 'jti-after', generation: 0, lifetimeSeconds: 600 })
    await until(async () => published.some((text) => decodeRevocation(text)?.subject === 'jti-after'), 5_000)
    expect(decodeRevocation(published.find((text) => decodeRevocation(text)?.subject === 'jti-after') ?? '')).toMatchObject({ epoch, seq: total + 1 })
  })
})
