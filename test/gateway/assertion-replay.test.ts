// An assertion's jti is used once, however many exchanges present it at once: the jtis presented while an
// insert is in flight share the next one, on real Postgres.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createReplayGuard } from '../../apps/gateway/src/keys/assertion-replay.ts'
import { fileDatabase } from '../support/gateway.ts'

const keyId = (): string => `k${randomBytes(6).toString('hex')}`
const later = (): number => Date.now() + 60_000
const pruneErrors: unknown[] = []
const guardOptions = { onPruneError: (err: unknown) => { pruneErrors.push(err) } }

describe('assertion replay guard', () => {
  it('lets exactly one of many simultaneous uses of a jti through, and every distinct jti once', async () => {
    const db = await fileDatabase()
    const guard = createReplayGuard(db.pool, guardOptions)
    const key = keyId()
    const same = await Promise.all(Array.from({ length: 50 }, () => guard.firstUse(key, 'the-one', later())))
    expect(same.filter(Boolean)).toHaveLength(1)
    // Distinct jtis, with replays of each interleaved: the first of each wins, in whichever batch.
    const jtis = Array.from({ length: 300 }, (_, i) => `j${i}`)
    const uses = await Promise.all([...jtis, ...jtis, ...jtis].map((jti) => guard.firstUse(key, jti, later()).then((first) => ({ jti, first }))))
    for (const jti of jtis) expect(uses.filter((u) => u.jti === jti && u.first), jti).toHaveLength(1)
    expect(await guard.firstUse(key, 'j7', later())).toBe(false)
    // The same jti under another key is another assertion.
    expect(await guard.firstUse(keyId(), 'the-one', later())).toBe(true)
  })

  it('shares the jtis with another replica: a use at either refuses it at the other', async () => {
    const db = await fileDatabase()
    const [a, b] = [createReplayGuard(db.pool, guardOptions), createReplayGuard(db.pool, guardOptions)]
    const key = keyId()
    const raced = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).firstUse(key, 'raced', later())))
    expect(raced.filter(Boolean)).toHaveLength(1)
    expect(await a.firstUse(key, 'at-a', later())).toBe(true)
    expect(await b.firstUse(key, 'at-a', later())).toBe(false)
  })

  it('lets two replicas take the same jtis in opposite orders at once, without a deadlock failing either batch', async () => {
    const db = await fileDatabase()
    const [a, b] = [createReplayGuard(db.pool, guardOptions), createReplayGuard(db.pool, guardOptions)]
    const key = keyId()
    for (let round = 0; round < 20; round++) {
      const jtis = Array.from({ length: 20 }, (_, i) => `r${round}-${i}`)
      const uses = await Promise.all([
        ...[`lead-a-${round}`, ...jtis].map((jti) => a.firstUse(key, jti, later()).then((first) => ({ jti, first }))),
        ...[`lead-b-${round}`, ...jtis.slice().reverse()].map((jti) => b.firstUse(key, jti, later()).then((first) => ({ jti, first })))
      ])
      for (const jti of jtis) expect(uses.filter((u) => u.jti === jti && u.first), jti).toHaveLength(1)
    }
    expect(pruneErrors).toEqual([])
  })

  it('refuses at once, with 503, the uses beyond what may wait while Postgres does not answer', async () => {
    const stalled = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 })
    const guard = createReplayGuard(stalled, guardOptions)
    const key = keyId()
    const waiting = Array.from({ length: 5_001 }, (_, i) => guard.firstUse(key, `w${i}`, later()).then(() => 'answered', (err: { code?: string }) => err.code))
    const beyond = await guard.firstUse(key, 'one-too-many', later()).then(() => 'answered', (err: { code?: string, statusCode?: number }) => `${err.code} ${err.statusCode}`)
    expect(beyond).toBe('KG_ERR_OVERLOADED 503')
    // The others fail with the database, not answered: nothing is acknowledged that was not committed.
    expect((await Promise.all(waiting)).filter((r) => r === 'answered')).toEqual([])
    await stalled.end()
  })

  it('takes over the row of an assertion that can no longer be accepted', async () => {
    const db = await fileDatabase()
    const guard = createReplayGuard(db.pool, guardOptions)
    const key = keyId()
    expect(await guard.firstUse(key, 'old', Date.now() - 1_000)).toBe(true)
    expect(await guard.firstUse(key, 'old', later())).toBe(true)
    expect(await guard.firstUse(key, 'old', later())).toBe(false)
  })

  it('fails every use of a batch that did not commit, and goes on with the next', async () => {
    const db = await fileDatabase()
    const broken = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 1_000 })
    const failing = createReplayGuard(broken, guardOptions)
    const key = keyId()
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => failing.firstUse(key, `f${i}`, later())))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    await expect(failing.firstUse(key, 'after', later())).rejects.toThrow()
    await broken.end()
    // Nothing was taken: the same jtis are first at a working replica.
    const guard = createReplayGuard(db.pool, guardOptions)
    expect(await Promise.all([0, 1, 2, 3, 4].map((i) => guard.firstUse(key, `f${i}`, later())))).toEqual([true, true, true, true, true])
  })
})
