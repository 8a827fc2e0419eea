import { describe, expect, it } from 'vitest'
import { adminHeaders, buildTestGateway } from '../support/gateway.ts'
import { buildDownstream } from '../support/downstream.ts'
import { until } from '../support/until.ts'
import { runCli } from '../support/cli.ts'
import { redisUrl } from '../support/redis.ts'
import { freePort } from '../support/redis-server.ts'

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

  it('keygate verifiers lists the same from Redis, says when there is no Redis, and fails clearly when Redis is down', async () => {
    const down = await buildDownstream()
    await down.service()
    const env = { REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: down.prefix, LOG_LEVEL: 'silent' }
    await until(async () => JSON.parse((await runCli(['verifiers', '--json'], env)).stdout).items.length === 1, 5000)
    const listed = await runCli(['verifiers', '--json'], env)
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout)).toMatchObject({ fanout: true, items: [{ current: true }] })
    const text = await runCli(['verifiers'], env)
    expect(text.stdout).toMatch(/^Last revocation published: \d+; 1 live verifier\(s\)\.\nid\s+heartbeatAt\s+appliedSeq\s+current\n/)

    const none = await runCli(['verifiers', '--json'], { LOG_LEVEL: 'silent' })
    expect([none.code, JSON.parse(none.stdout)]).toEqual([0, { fanout: false, publishedSeq: null, items: [] }])
    const unreachable = await runCli(['verifiers'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, LOG_LEVEL: 'silent' })
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/^keygate: Redis cannot be read: /)
  })

  it('says there is no fan-out without Redis', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({ url: '/admin/verifiers', headers: await adminHeaders(gw) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ fanout: false, publishedSeq: null, items: [] })
  })
})
