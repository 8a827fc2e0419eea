import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { Actor } from '../../apps/gateway/src/audit/store.ts'
import { buildTestGateway, type TestGateway } from '../support/gateway.ts'

const ROUNDS = 50
const actor: Actor = { id: 'race-test' }

/** Where an action on a target sits in the audit log (its order of commit, under the row and owner locks). */
async function auditPosition (gw: TestGateway, action: string, target: string): Promise<bigint | undefined> {
  const { rows } = await gw.db.pool.query<{ id: string }>('SELECT id::text AS id FROM audit_log WHERE action = $1 AND target = $2 ORDER BY id LIMIT 1', [action, target])
  return rows[0] ? BigInt(rows[0].id) : undefined
}

async function successorsOf (gw: TestGateway, keyId: string): Promise<Array<{ keyId: string, revoked: boolean }>> {
  const { rows } = await gw.db.pool.query<{ keyId: string, revoked: boolean }>('SELECT key_id AS "keyId", revoked_at IS NOT NULL AS revoked FROM api_keys WHERE rotated_from = $1', [keyId])
  return rows
}

// The second side starts at a random point of the first one's run, so that both orders happen.
const later = <T>(work: () => Promise<T>): Promise<T> => sleep(Math.random() * 60).then(work)

const settle = <T>(p: Promise<T>): Promise<{ ok: true, value: T } | { ok: false, code: string }> =>
  p.then((value) => ({ ok: true as const, value }), (err: { code?: string }) => ({ ok: false as const, code: err.code ?? String(err) }))

describe('admin changes of one key or owner are atomic against each other', () => {
  for (const change of ['revoke', 'disable'] as const) {
    it(`rotate against ${change}: a successor exists only if the rotation came first (${ROUNDS} rounds)`, async () => {
      const gw = await buildTestGateway()
      for (let i = 0; i < ROUNDS; i++) {
        const { record } = await gw.createKey()
        const [rotated, changed] = await Promise.all([
          settle(gw.app.keyAdmin.rotate(record.keyId, 3600, actor)),
          settle(later(() => change === 'revoke' ? gw.app.keyAdmin.revoke(record.keyId, 'race', actor) : gw.app.keyAdmin.disable(record.keyId, actor)))
        ])
        expect(changed.ok).toBe(true)
        const successors = await successorsOf(gw, record.keyId)
        if (rotated.ok) {
          expect(successors).toHaveLength(1)
          expect(await auditPosition(gw, 'key.rotate', record.keyId)).toBeLessThan(await auditPosition(gw, `key.${change}`, record.keyId) ?? 0n)
        } else {
          expect(rotated.code).toBe('KG_ERR_CONFLICT')
          expect(successors).toEqual([])
        }
      }
    }, 120_000)
  }

  it(`rotate against rotate: one successor, the other rotation refused (${ROUNDS} rounds)`, async () => {
    const gw = await buildTestGateway()
    for (let i = 0; i < ROUNDS; i++) {
      const { record } = await gw.createKey()
      const results = await Promise.all([settle(gw.app.keyAdmin.rotate(record.keyId, 60, actor)), settle(gw.app.keyAdmin.rotate(record.keyId, 60, actor))])
      expect(results.filter((r) => r.ok)).toHaveLength(1)
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: 'KG_ERR_CONFLICT' }])
      expect(await successorsOf(gw, record.keyId)).toHaveLength(1)
    }
  }, 120_000)

  it('refuses to rotate a disabled, revoked or expired key, or one rotated already', async () => {
    const gw = await buildTestGateway()
    const disabled = (await gw.createKey()).record.keyId
    await gw.app.keyAdmin.disable(disabled, actor)
    const revoked = (await gw.createKey()).record.keyId
    await gw.app.keyAdmin.revoke(revoked, undefined, actor)
    const expired = (await gw.createKey({ expiresAt: new Date(Date.now() - 1000) })).record.keyId
    const rotated = (await gw.createKey()).record.keyId
    await gw.app.keyAdmin.rotate(rotated, 0, actor)
    for (const keyId of [disabled, revoked, expired, rotated]) {
      expect(await settle(gw.app.keyAdmin.rotate(keyId, 60, actor)), keyId).toEqual({ ok: false, code: 'KG_ERR_CONFLICT' })
      expect(await successorsOf(gw, keyId)).toHaveLength(keyId === rotated ? 1 : 0)
    }
  })

  it(`create against owner revoke: a new key is either revoked with the owner or created after and valid (${ROUNDS} rounds)`, async () => {
    const gw = await buildTestGateway()
    for (let i = 0; i < ROUNDS; i++) {
      const owner = `owner-${i}`
      await gw.createKey({ owner })
      const [created, revoked] = await Promise.all([
        gw.app.keyAdmin.create({ name: 'late', owner, scopes: ['orders:read'] }, actor),
        later(() => gw.app.keyAdmin.revokeOwner(owner, 'race', actor))
      ])
      const { rows } = await gw.db.pool.query<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE key_id = $1', [created.record.keyId])
      if (revoked.revoked.includes(created.record.keyId)) {
        expect(rows[0]?.revoked).toBe(true)
      } else {
        expect(rows[0]?.revoked).toBe(false)
        expect(await auditPosition(gw, 'key.create', created.record.keyId)).toBeGreaterThan(await auditPosition(gw, 'owner.revoke', owner) ?? 0n)
        expect((await gw.exchange(created.key)).statusCode).toBe(200)
      }
    }
  }, 120_000)

  it(`rotate against owner revoke: the successor is revoked with the owner or rotated after it was (${ROUNDS} rounds)`, async () => {
    const gw = await buildTestGateway()
    for (let i = 0; i < ROUNDS; i++) {
      const owner = `rotating-owner-${i}`
      const { record } = await gw.createKey({ owner })
      const [rotated] = await Promise.all([settle(gw.app.keyAdmin.rotate(record.keyId, 60, actor)), later(() => gw.app.keyAdmin.revokeOwner(owner, 'race', actor))])
      const successors = await successorsOf(gw, record.keyId)
      // Rotated first: the successor is the owner's too and is revoked with it. Revoked first: nothing to rotate.
      if (rotated.ok) expect(successors).toEqual([{ keyId: rotated.value.record.keyId, revoked: true }])
      else expect(successors).toEqual([])
    }
  }, 120_000)

  it('answers 409 to enabling or disabling a revoked key, and keeps it revoked', async () => {
    const gw = await buildTestGateway()
    const { record } = await gw.createKey()
    await gw.app.keyAdmin.revoke(record.keyId, undefined, actor)
    for (const change of ['enable', 'disable'] as const) {
      expect(await settle(gw.app.keyAdmin[change](record.keyId, actor))).toEqual({ ok: false, code: 'KG_ERR_CONFLICT' })
    }
    expect((await gw.app.keyAdmin.revoke(record.keyId, undefined, actor)).changed).toBe(false)
  })
})
