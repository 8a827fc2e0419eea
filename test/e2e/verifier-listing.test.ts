import { describe, expect, it } from 'vitest'
import { adminHeaders, buildTestGateway } from '../support/gateway.ts'
import { buildDownstream } from '../support/downstream.ts'
import { until } from '../support/until.ts'

interface Fleet { fanout: boolean, publishedSeq: number | null, items: Array<{ id: string, heartbeatAt: string, appliedSeq: number | null, current: boolean }> }

describe('GET /admin/verifiers', () => {
  it('lists the live verifiers with the revocation each has applied, and follows a revocation', async () => {
    const down = await buildDownstream()
    const headers = await adminHeaders(down.gw)
    const list = async () => (await down.gw.app.inject({ url: '/admin/verifiers', headers })).json<Fleet>()
    const first = await down.service()
    await down.service()
    await until(async () => (await list()).items.length === 2, 5000)
    const before = await list()
    expect(before).toMatchObject({ fanout: true })
    expect(before.items.every((v) => v.current && v.appliedSeq === before.publishedSeq)).toBe(true)
    expect(before.items.map((v) => v.id).every((id) => id.startsWith('test-service-'))).toBe(true)
    expect(Date.now() - Date.parse(before.items[0]?.heartbeatAt ?? '')).toBeLessThan(10_000)

    const { keyId } = await down.token()
    const revoked = await down.gw.app.inject({ method: 'POST', url: `/admin/keys/${keyId}/revoke?wait=true`, headers })
    expect(revoked.json()).toMatchObject({ propagated: { applied: 2, live: 2, complete: true } })
    const after = await list()
    expect(after.publishedSeq).toBeGreaterThan(before.publishedSeq ?? 0)
    expect(after.items.every((v) => v.current && v.appliedSeq === after.publishedSeq)).toBe(true)

    // A verifier that shuts down leaves the list.
    await first.close()
    const remaining = (await list()).items.map((v) => v.id)
    expect(remaining).toHaveLength(1)
    expect(after.items.map((v) => v.id)).toContain(remaining[0])
  })

  it('says there is no fan-out without Redis', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({ url: '/admin/verifiers', headers: await adminHeaders(gw) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ fanout: false, publishedSeq: null, items: [] })
  })
})
