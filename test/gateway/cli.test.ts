import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import fc from 'fast-check'
import { MAX_CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_TTL_SECONDS } from '@keygate/protocol'
import { buildTestGateway, fileDatabase } from '../support/gateway.ts'
import { runCli } from '../support/cli.ts'

async function cli (...args: string[]) {
  const db = await fileDatabase()
  return runCli(args, { DATABASE_URL: db.url, KEYGATE_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'silent' })
}

function json<T> (result: { stdout: string }): T {
  return JSON.parse(result.stdout) as T
}

describe('keygate CLI', () => {
  it('prints help for the tool and for each command group, exit 0; no command is a usage error', async () => {
    for (const args of [['--help'], ['keys', '--help'], ['owners', '--help'], ['signing-keys', '--help'], ['audit', '--help'], ['migrate', '--help'], ['verifiers', '--help'], ['keys', 'create', '--help']]) {
      const r = await cli(...args)
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: keygate/)
    }
    expect((await cli()).code).toBe(2)
    expect((await cli('keys')).code).toBe(2)
    const unknown = await cli('frobnicate')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.trim()).toBe('keygate: unknown command: frobnicate')
  })

  it('migrate reports an up-to-date database', async () => {
    const r = await cli('migrate')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('Database is up to date.\n')
  })

  it('creates, lists, shows, updates, disables, enables, rotates and revokes a key; audits each step', async () => {
    const created = await cli('keys', 'create', '--owner', 'cli-team', '--scopes', 'a,b', '--name', 'worker', '--ip-allowlist', '10.0.0.0/8', '--json')
    expect(created.code, created.stderr).toBe(0)
    const key = json<{ key: string, keyId: string, scopes: string[], ipAllowlist: string[], state: string }>(created)
    expect(key).toMatchObject({ scopes: ['a', 'b'], ipAllowlist: ['10.0.0.0/8'], state: 'active' })
    expect(key.key).toMatch(/^kg_live_/)

    const human = await cli('keys', 'create', '--owner', 'cli-team', '--scopes', 'a')
    expect(human.stdout).toMatch(/It is shown this once:\n\n {2}kg_live_\w+\n/)

    const listed = json<Array<{ keyId: string, owner: string }>>(await cli('keys', 'list', '--owner', 'cli-team', '--json'))
    expect(listed.map((k) => k.keyId)).toContain(key.keyId)
    expect(JSON.stringify(listed)).not.toContain(key.key)
    expect((await cli('keys', 'list')).stdout).toMatch(/^keyId\s+owner\s+name\s+state/)

    const shown = await cli('keys', 'show', key.keyId)
    expect(shown.stdout).toMatch(/owner\s+cli-team/)
    expect(shown.stdout).not.toContain(key.key)

    expect(json<{ name: string, scopes: string[] }>(await cli('keys', 'update', key.keyId, '--name', 'renamed', '--scopes', 'a', '--json'))).toMatchObject({ name: 'renamed', scopes: ['a'] })
    expect(json<{ state: string }>(await cli('keys', 'disable', key.keyId, '--json')).state).toBe('disabled')
    expect(json<{ state: string }>(await cli('keys', 'enable', key.keyId, '--json')).state).toBe('active')
    const rotated = json<{ key: string, keyId: string, rotatedFrom: string }>(await cli('keys', 'rotate', key.keyId, '--grace-period', '60', '--json'))
    expect(rotated.rotatedFrom).toBe(key.keyId)
    expect(rotated.key).not.toBe(key.key)
    expect(json<{ state: string, revokedReason: string }>(await cli('keys', 'revoke', rotated.keyId, '--reason', 'done', '--json'))).toMatchObject({ state: 'revoked', revokedReason: 'done' })

    const audit = json<Array<{ action: string, target: string, actor: string }>>(await cli('audit', '--target', key.keyId, '--json'))
    expect(audit.map((e) => e.action)).toEqual(['key.create', 'key.update', 'key.disable', 'key.enable', 'key.rotate'])
    expect(audit[0]?.actor).toMatch(/^cli:/)
    expect((await cli('audit')).stdout).toMatch(/^at\s+actor\s+action/)
  })

  it('creates keypair keys: from a public key file, or generated with the private key printed once; rotates to a new public key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-cli-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    await writeFile(join(dir, 'pub.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }) as string)
    await writeFile(join(dir, 'priv.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
    const fromFile = await cli('keys', 'create', '--owner', 'kp-team', '--scopes', 'a', '--public-key', join(dir, 'pub.pem'), '--json')
    expect(fromFile.code, fromFile.stderr).toBe(0)
    expect(json<{ credential: string, key?: string, publicKeys: unknown[] }>(fromFile)).toMatchObject({ credential: 'keypair', publicKeys: [expect.objectContaining({ alg: 'ES256' }) as unknown] })
    expect(json<{ key?: string }>(fromFile).key).toBeUndefined()
    const refused = await cli('keys', 'create', '--owner', 'kp-team', '--public-key', join(dir, 'priv.pem'))
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--public-key is a private key/)

    const generated = await cli('keys', 'create', '--owner', 'kp-team', '--scopes', 'a', '--keypair', 'EdDSA')
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stdout).toMatch(/private key is shown this once[\s\S]*-----BEGIN PRIVATE KEY-----/)
    const keyId = /Keypair key (\w+)/.exec(generated.stdout)?.[1] as string
    const rotated = json<{ publicKeys: Array<{ alg: string }>, privateKey: { pem: string } }>(await cli('keys', 'rotate', keyId, '--grace-period', '60', '--json'))
    expect(rotated.publicKeys.map((k) => k.alg)).toEqual(['EdDSA', 'EdDSA'])
    expect(rotated.privateKey.pem).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const shown = await cli('keys', 'show', keyId)
    expect(shown.stdout).not.toContain('PRIVATE KEY')
  })

  it('revokes every key of an owner', async () => {
    await cli('keys', 'create', '--owner', 'gone', '--scopes', 'a')
    await cli('keys', 'create', '--owner', 'gone', '--scopes', 'a')
    const r = json<{ revoked: string[] }>(await cli('owners', 'revoke', 'gone', '--reason', 'offboarded', '--json'))
    expect(r.revoked).toHaveLength(2)
    expect((await cli('owners', 'revoke', 'gone')).stdout).toMatch(/^Revoked 0 key\(s\) of gone/)
  })

  it('rotates and lists signing keys', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') } })
    const before = gw.app.signer.minter().kid
    // The CLI's own KEYGATE_TOKEN_TTL says nothing of the tokens gateways signed: the old key stays
    // published for the longest lifetime any token can have, plus the clock tolerance.
    const db = await fileDatabase()
    const rotated = json<{ kid: string, retiring: string[], activatesAt: string }>(await runCli(['signing-keys', 'rotate', '--activate-in', '0', '--json'], {
      DATABASE_URL: db.url, KEYGATE_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'silent', KEYGATE_TOKEN_TTL: '1'
    }))
    expect(rotated.retiring).toContain(before)
    const list = json<Array<{ kid: string, state: string, retiresAt: string }>>(await cli('signing-keys', 'list', '--json'))
    expect(list.find((k) => k.kid === before)?.state).toBe('retiring')
    const retiresAt = Date.parse(list.find((k) => k.kid === before)?.retiresAt ?? '')
    expect(retiresAt - Date.parse(rotated.activatesAt)).toBe((MAX_TOKEN_TTL_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS) * 1000)
    expect(list.find((k) => k.kid === rotated.kid)?.state).toBe('active')
    expect((await cli('signing-keys', 'list')).stdout).toMatch(/^kid\s+alg\s+state/)
  })

  it('fails with clear lines and exit codes', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['keys', 'create', '--scopes', 'a'], 2, /--owner is required/],
      [['keys', 'create', '--owner', 'x', '--scopes', 'bad scope!"'], 2, /--scopes \(item 1\) must match pattern/],
      ...['kg', 'kg_live_x', 'A_b', 'kg_te st'].map((prefix): [string[], number, RegExp] => [['keys', 'create', '--owner', 'x', '--prefix', prefix], 2, /--prefix must match pattern/]),
      [['keys', 'create', '--owner', 'o'.repeat(129)], 2, /--owner must NOT have more than 128 characters/],
      [['keys', 'create', '--owner', 'x', '--expires-at', '+010000-01-01T00:00:00Z'], 2, /--expires-at/],
      [['keys', 'revoke', 'nosuchkey', '--reason', 'r'.repeat(513)], 2, /--reason must NOT have more than 512/],
      [['keys', 'rotate', 'nosuchkey', '--grace-period', '2592001'], 2, /--grace-period must be <= 2592000/],
      [['keys', 'show', 'not-a-key-id'], 2, /the keyId must match pattern/],
      [['owners', 'revoke', 'o'.repeat(129)], 2, /--owner must NOT have more than 128/],
      [['keys', 'create', '--owner', 'x', '--expires-at', 'soon'], 2, /--expires-at must be/],
      [['keys', 'create', '--owner', 'x', '--ip-allowlist', '300.1.1.1'], 2, /--ip-allowlist/],
      [['keys', 'create', '--owner', 'x', '--bogus'], 2, /Unknown option '--bogus'/],
      [['keys', 'show'], 2, /needs a keyId/],
      [['keys', 'show', 'nosuchkey'], 4, /key nosuchkey not found/],
      [['keys', 'revoke', 'nosuchkey'], 4, /key nosuchkey not found/],
      [['keys', 'rotate', 'nosuchkey'], 4, /key nosuchkey not found/],
      [['keys', 'update', 'nosuchkey'], 2, /at least one field/],
      [['keys', 'list', '--limit', '0'], 2, /--limit must be/],
      [['signing-keys', 'rotate', '--activate-in', '-5'], 2, /--activate-in/],
      [['owners', 'revoke'], 2, /needs an owner/]
    ]
    const before = await (await fileDatabase()).pool.query('SELECT count(*)::int AS n FROM api_keys')
    for (const [args, code, message] of cases) {
      const r = await cli(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code)
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
    }
    // None of them created anything.
    expect((await (await fileDatabase()).pool.query('SELECT count(*)::int AS n FROM api_keys')).rows).toEqual(before.rows)
    const badConfig = await runCli(['keys', 'list'], { DATABASE_URL: 'mysql://nope' })
    expect(badConfig.code).toBe(2)
    expect(badConfig.stderr).toMatch(/invalid configuration: DATABASE_URL/)
    const noDatabase = await runCli(['keys', 'list'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    expect(noDatabase.code).toBe(1)
  }, 120_000)

  it('either creates a key that can be exchanged, or refuses with a usage error and creates nothing, whatever the options', async () => {
    // The CLI's master key: whichever of the two made this database's signing key first, the gateway opens it.
    const gw = await buildTestGateway({ env: { KEYGATE_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') } })
    const text = fc.oneof(fc.string({ maxLength: 30 }).filter((v) => !v.includes('\u0000')), fc.constantFrom('kg_test', 'kg', 'A_b', 'kg_te st', 'orders:read', '10.0.0.0/8', 'fe80::1%eth0', '2030-01-01T00:00:00Z', 'never', 'o'.repeat(129)))
    const options = fc.record({ '--owner': text, '--name': text, '--scopes': text, '--audiences': text, '--prefix': text, '--ip-allowlist': text, '--expires-at': text }, { requiredKeys: ['--owner'] })
    await fc.assert(fc.asyncProperty(options, async (chosen) => {
      const args = Object.entries(chosen).flatMap(([option, value]) => [`${option}=${value}`])
      const before = await gw.db.pool.query('SELECT count(*)::int AS n FROM api_keys')
      const r = await cli('keys', 'create', ...args, '--json')
      expect([0, 2], `${args.join(' ')}: ${r.stderr}`).toContain(r.code)
      if (r.code === 2) {
        expect(r.stderr.trim().split('\n')).toHaveLength(1)
        expect((await gw.db.pool.query('SELECT count(*)::int AS n FROM api_keys')).rows).toEqual(before.rows)
        return
      }
      const { key } = json<{ key: string }>(r)
      const exchanged = await gw.exchange(key)
      // Exchangeable: 200, or refused only by the key's own policy (an allowlist without this address, an expiry past).
      expect([200, 401], `${args.join(' ')}: ${exchanged.body}`).toContain(exchanged.statusCode)
      if (exchanged.statusCode === 401) expect(chosen['--ip-allowlist'] !== undefined || chosen['--expires-at'] !== undefined).toBe(true)
    }), { seed: 19, numRuns: Number(process.env.KEYGATE_PROPERTY_RUNS ?? 20) })
  }, 120_000)
})
