import { afterEach, describe, expect, it } from 'vitest'
import { bearer } from '../support/downstream.ts'
import { buildTestGateway, fileDatabase, fileMasterKey, withWrongSecret } from '../support/gateway.ts'
import type { RunningProcess } from '../support/process.ts'
import { rssOf, spawnGateway, spawnService } from '../support/processes.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'

const SOAK_MS = 60_000
const running: RunningProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})

describe('soak', () => {
  it('takes 60 s of mixed traffic with no 5xx but designed 503/429, no unhandled rejection, stable RSS', async () => {
    const db = await fileDatabase()
    const prefix = redisPrefix()
    const local = await buildTestGateway()
    const keys = await Promise.all(Array.from({ length: 20 }, () => local.createKey({ scopes: ['orders:read'] })))
    const admin = await local.createKey({ owner: 'ops', scopes: ['keygate:admin'] })
    const victim = await local.createKey({ owner: 'victim', scopes: ['orders:read'] })
    await local.app.close()

    const gateway = await spawnGateway({ DATABASE_URL: db.url, KEYGATE_MASTER_KEY: fileMasterKey(), REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', KEYGATE_TOKEN_RATE_LIMIT_IP: '1000000' }, running)
    const service = await spawnService({ KEYGATE_ISSUER: 'http://keygate.test', KEYGATE_JWKS_URL: `${gateway.url}/.well-known/jwks.json`, REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix }, running)
    const statuses = new Map<string, number>()
    const count = (what: string, status: number) => statuses.set(`${what}:${status}`, (statuses.get(`${what}:${status}`) ?? 0) + 1)
    const form = (key: string) => ({ method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key }) })
    const exchange = async (key: string): Promise<string | undefined> => {
      const res = await fetch(`${gateway.url}/oauth/token`, form(key))
      count('exchange', res.status)
      return res.ok ? (await res.json() as { access_token: string }).access_token : (await res.body?.cancel(), undefined)
    }
    const adminToken = await exchange(admin.key) ?? ''
    const live = keys.slice()
    const end = Date.now() + SOAK_MS
    const rss = async () => ({ gateway: await rssOf(gateway.proc.child.pid ?? 0), service: await rssOf(service.proc.child.pid ?? 0) })
    let warm: { gateway: number, service: number } | undefined
    setTimeout(() => { rss().then((r) => { warm = r }).catch(() => {}) }, 15_000)

    const loop = async (step: () => Promise<void>) => { while (Date.now() < end) await step() }
    await Promise.all([
      // Callers: exchange, then use the token a few times downstream.
      ...Array.from({ length: 4 }, (_, i) => loop(async () => {
        const key = live[(Math.random() * live.length) | 0] ?? keys[i]
        const token = key ? await exchange(key.key) : undefined
        if (!token) return
        for (let n = 0; n < 5; n++) {
          const res = await fetch(`${service.url}/orders`, { headers: bearer(token) })
          count('verify', res.status)
          await res.body?.cancel()
        }
      })),
      // Attackers: malformed keys and wrong secrets.
      loop(async () => {
        await exchange(Math.random() < 0.5 ? `kg_live_${Math.random().toString(36)}` : withWrongSecret(victim.key))
      }),
      // Ops: list, create, revoke keys and tokens.
      loop(async () => {
        const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
        const list = await fetch(`${gateway.url}/admin/keys?limit=20`, { headers })
        count('admin', list.status)
        await list.body?.cancel()
        const created = await fetch(`${gateway.url}/admin/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'soak', owner: 'soak', scopes: ['orders:read'] }) })
        count('admin', created.status)
        const body = await created.json() as { key: string, keyId: string }
        const victim = live.shift()
        if (victim) {
          const revoked = await fetch(`${gateway.url}/admin/keys/${victim.record.keyId}/revoke`, { method: 'POST', headers })
          count('admin', revoked.status)
          await revoked.body?.cancel()
        }
        live.push({ key: body.key, record: { keyId: body.keyId } } as typeof keys[number])
        const token = await exchange(body.key)
        if (token) {
          const revokeToken = await fetch(`${gateway.url}/oauth/revoke`, { method: 'POST', headers, body: JSON.stringify({ token }) })
          count('admin', revokeToken.status)
          await revokeToken.body?.cancel()
          await new Promise((resolve) => setTimeout(resolve, 100))
          const refused = await fetch(`${service.url}/orders`, { headers: bearer(token) })
          count('verify', refused.status)
          await refused.body?.cancel()
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      })
    ])

    const final = await rss()
    const summary = Object.fromEntries(statuses)
    const fiveHundreds = [...statuses].filter(([k]) => /:5\d\d$/.test(k) && !/:503$/.test(k))
    expect(fiveHundreds, JSON.stringify(summary)).toEqual([])
    expect(statuses.get('exchange:200') ?? 0, JSON.stringify(summary)).toBeGreaterThan(100)
    expect(statuses.get('verify:200') ?? 0, JSON.stringify(summary)).toBeGreaterThan(500)
    expect(statuses.get('verify:401') ?? 0, JSON.stringify(summary)).toBeGreaterThan(0)
    for (const p of [gateway.proc, service.proc]) {
      expect(p.child.exitCode).toBeNull()
      expect(p.stdout() + p.stderr()).not.toMatch(/unhandled|uncaught|"level":(50|60)/i)
    }
    expect(warm).toBeDefined()
    // After warm-up, memory stays put: less than 40 MB more over the remaining 45 s.
    expect(final.gateway - (warm?.gateway ?? 0)).toBeLessThan(40 * 1024 * 1024)
    expect(final.service - (warm?.service ?? 0)).toBeLessThan(40 * 1024 * 1024)
  }, 120_000)
})
