import { connect } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { createArgon2Hasher, formatApiKey, generateApiKey, parseApiKey } from '@keygate/gateway'
import { buildTestGateway, countingHasher, withBadChecksum, withWrongSecret } from '../support/gateway.ts'
import { until } from '../support/until.ts'

const REFUSAL = { error: 'invalid_client', error_description: 'Client authentication failed' }

describe('client authentication refusals', () => {
  it('answers 401 invalid_client with the same body for every kind of bad key', async () => {
    const gw = await buildTestGateway()
    const good = await gw.createKey()
    const wrongSecret = withWrongSecret(good.key)
    const unknownKeyId = generateApiKey('kg_live').key
    const badChecksum = withBadChecksum(good.key)
    const wrongPrefix = formatApiKey({ ...(parseApiKey(good.key) as NonNullable<ReturnType<typeof parseApiKey>>), prefix: 'kg_test' })
    const revoked = await gw.createKey()
    await gw.db.pool.query('UPDATE api_keys SET revoked_at = now() WHERE key_id = $1', [revoked.record.keyId])
    const disabled = await gw.createKey()
    await gw.db.pool.query('UPDATE api_keys SET disabled_at = now() WHERE key_id = $1', [disabled.record.keyId])
    const expired = await gw.createKey({ expiresAt: new Date(Date.now() - 1000) })

    const cases = {
      wrongSecret,
      unknownKeyId,
      badChecksum,
      wrongPrefix,
      malformed: 'not-a-key',
      empty: '',
      revoked: revoked.key,
      disabled: disabled.key,
      expired: expired.key
    }
    for (const [name, key] of Object.entries(cases)) {
      const res = await gw.exchange(key)
      expect(res.statusCode, name).toBe(401)
      expect(res.json(), name).toEqual(REFUSAL)
      expect(res.headers['www-authenticate'], name).toMatch(/^Basic /)
      expect(res.headers['cache-control'], name).toBe('no-store')
      expect(res.headers['x-request-id'], name).toBeTruthy()
    }
    expect((await gw.exchange(good.key)).statusCode).toBe(200)
  })

  it('refuses a malformed key with the very response, log line and count of a refusal after the lookup', async () => {
    const gw = await buildTestGateway()
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const refuse = (key: string, requestId: string): Promise<Response> => fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'x-request-id': requestId },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key })
    })
    // Over HTTP, not inject: what Node writes is what is compared, every header of it.
    const seen = async (res: Response): Promise<unknown> => ({
      status: res.status,
      body: await res.text(),
      headers: Object.fromEntries([...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'))
    })
    const malformed = await refuse('not-a-key', 'flood-1')
    const unknown = await refuse(generateApiKey('kg_live').key, 'lookup-1')
    expect(malformed.headers.get('x-request-id')).toBe('flood-1')
    expect(malformed.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await seen(malformed)).toEqual(await seen(unknown))

    const records = gw.logs.records()
    expect(records.find((r) => r.reqId === 'flood-1' && r.msg === 'request refused')).toMatchObject({ code: 'KG_ERR_CLIENT_INVALID', reason: 'malformed' })
    expect(records.find((r) => r.reqId === 'flood-1' && r.msg === 'request completed')).toMatchObject({ res: { statusCode: 401 } })
    const metrics = (await gw.app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/keygate_http_request_duration_seconds_count\{[^}]*route="\/oauth\/token"[^}]*status="401"[^}]*\} 2\b/)
  })

  it('answers pipelined requests in order when some are refused at once', async () => {
    const gw = await buildTestGateway()
    const url = new URL(await gw.app.listen({ host: '127.0.0.1', port: 0 }))
    const body = 'grant_type=client_credentials&client_secret=not-a-key'
    const token = (id: string): string => `POST /oauth/token HTTP/1.1\r\nHost: keygate\r\nx-request-id: ${id}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    const health = (id: string): string => `GET /healthz HTTP/1.1\r\nHost: keygate\r\nx-request-id: ${id}\r\n\r\n`
    const socket = connect(Number(url.port), url.hostname)
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk })
    // One write: Node queues the later responses while the first is written.
    socket.write(token('a') + health('b') + token('c') + health('d'))
    const order = (): string[] => [...answer.matchAll(/HTTP\/1\.1 (\d+)[^]*?x-request-id: (\w+)/g)].map((m) => `${m[2]}:${m[1]}`)
    await vi.waitFor(() => { expect(order()).toHaveLength(4) })
    socket.destroy()
    expect(order()).toEqual(['a:401', 'b:200', 'c:401', 'd:200'])
  })

  it('refuses a missing credential with 401 invalid_client', async () => {
    const gw = await buildTestGateway()
    const res = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials' } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(REFUSAL)
  })

  it('refuses a bad checksum and an unknown keyId without any Argon2 work', async () => {
    const hasher = countingHasher(createArgon2Hasher())
    const gw = await buildTestGateway({ hasher })
    const good = await gw.createKey()
    hasher.calls.verify = 0

    expect((await gw.exchange(withBadChecksum(good.key))).statusCode).toBe(401)
    expect((await gw.exchange(generateApiKey('kg_live').key)).statusCode).toBe(401)
    expect((await gw.exchange('kg_live_x_y')).statusCode).toBe(401)
    expect(hasher.calls.verify).toBe(0)

    expect((await gw.exchange(withWrongSecret(good.key))).statusCode).toBe(401)
    expect(hasher.calls.verify).toBe(1)
  })

  it('rehashes a key on a successful exchange when the Argon2 parameters were raised', async () => {
    const first = await buildTestGateway()
    const { key, record } = await first.createKey()
    const before = (await first.db.pool.query<{ h: string }>('SELECT secret_hash AS h FROM api_keys WHERE key_id = $1', [record.keyId])).rows[0]?.h
    expect(before).toMatch(/\$m=19456,t=2,p=1\$/)

    const stronger = await buildTestGateway({ env: { KEYGATE_ARGON2_TIME_COST: '3' } })
    expect((await stronger.exchange(key)).statusCode).toBe(200)
    const stored = async (): Promise<string | undefined> => (await stronger.db.pool.query<{ h: string }>('SELECT secret_hash AS h FROM api_keys WHERE key_id = $1', [record.keyId])).rows[0]?.h
    await until(async () => await stored() !== before, 5_000)
    expect(await stored()).toMatch(/\$m=19456,t=3,p=1\$/)
    expect((await stronger.exchange(key)).statusCode).toBe(200)
  })
})
