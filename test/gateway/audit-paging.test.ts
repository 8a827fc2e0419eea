import { describe, expect, it } from 'vitest'
import { adminHeaders, buildTestGateway } from '../support/gateway.ts'

interface AuditPage { items: Array<{ id: string, action: string, target: string | null }>, nextCursor: string | null }

describe('GET /admin/audit paging', () => {
  it('pages oldest first by id across digit boundaries (9 → 10, 99 → 100), every entry once', async () => {
    const gw = await buildTestGateway()
    const headers = await adminHeaders(gw)
    // Past 100 entries of this file's database, each a disable of one key.
    const key = await gw.createKey({ owner: 'paging' })
    for (let i = 0; i < 60; i++) {
      await gw.app.inject({ method: 'POST', url: `/admin/keys/${key.record.keyId}/disable`, headers })
      await gw.app.inject({ method: 'POST', url: `/admin/keys/${key.record.keyId}/enable`, headers })
    }
    const ids: number[] = []
    let cursor: string | null = null
    do {
      const query: Record<string, string> = cursor === null ? { limit: '7' } : { limit: '7', cursor }
      const page: AuditPage = (await gw.app.inject({ url: '/admin/audit', query, headers })).json()
      ids.push(...page.items.map((e) => Number(e.id)))
      cursor = page.nextCursor
    } while (cursor !== null)
    const { rows } = await gw.db.pool.query<{ id: string }>('SELECT id::text FROM audit_log ORDER BY audit_log.id')
    expect(ids).toEqual(rows.map((r) => Number(r.id)))
    expect(ids.length).toBe(120)
  })
})
