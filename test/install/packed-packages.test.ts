// The packages as a user outside this repository gets them: packed by pnpm, installed with plain npm into
// a new directory beside nothing but fastify from the registry, and run with plain node (no tsx).
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningProcess, startProcess } from '../support/process.ts'
import { gatewayAtItsIssuer } from '../support/downstream.ts'
import { adminHeaders } from '../support/gateway.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PACKAGES = ['protocol', 'verifier', 'client']

const SERVICE = `
import Fastify from 'fastify'
import keygateVerifier from '@keygate/verifier'

const app = Fastify()
await app.register(keygateVerifier, { issuer: process.env.ISSUER, audience: 'keygate', redis: process.env.REDIS_URL, redisPrefix: process.env.REDIS_PREFIX })
app.get('/orders', { preHandler: app.requireScopes('orders:read') }, async (request) => ({ by: request.principal.clientId }))
app.get('/export', { preHandler: app.requireScopes('orders:export') }, async () => ({}))
const address = await app.listen({ host: '127.0.0.1', port: 0 })
console.log('listening at ' + address)
`

const CALLER = `
import { createTokenProvider } from '@keygate/client'

const tokens = createTokenProvider({ issuer: process.env.ISSUER, apiKey: process.env.API_KEY })
const token = await tokens.getToken()
console.log('token ' + token)
`

describe('the packed packages, installed with npm outside the workspace', () => {
  let dir = ''
  const running: RunningProcess[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygate-install-'))
    for (const name of PACKAGES) await run('pnpm', ['pack', '--pack-destination', dir], { cwd: join(ROOT, 'packages', name) })
    const tarballs = (await readdir(dir)).filter((f) => f.endsWith('.tgz'))
    expect(tarballs).toHaveLength(3)
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'outside', private: true, type: 'module' }))
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'fastify@5', ...tarballs.map((t) => `./${t}`)], { cwd: dir, timeout: 240_000 })
  }, 300_000)

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  it('hold the built JavaScript and its declarations, no tests and no TypeScript sources', async () => {
    for (const tarball of (await readdir(dir)).filter((f) => f.endsWith('.tgz'))) {
      const { stdout } = await run('tar', ['-tzf', join(dir, tarball)])
      const files = stdout.trim().split('\n')
      expect(files, tarball).toContain('package/dist/index.js')
      expect(files, tarball).toContain('package/dist/index.d.ts')
      expect(files.filter((f) => /\.test\.|\.tsbuildinfo$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), tarball).toEqual([])
      const { stdout: manifest } = await run('tar', ['-xzOf', join(dir, tarball), 'package/package.json'])
      expect(manifest, tarball).not.toMatch(/workspace:|keygate-source|"private"/)
    }
  })

  it('protect a plain JavaScript Fastify service run by node, and obtain a token from a .mjs script', async () => {
    const prefix = redisPrefix()
    const { gw, url: issuer } = await gatewayAtItsIssuer({ REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix })
    const admin = await adminHeaders(gw)
    const { key, record } = await gw.createKey({ scopes: ['orders:read'] })
    await writeFile(join(dir, 'service.mjs'), SERVICE)
    await writeFile(join(dir, 'caller.mjs'), CALLER)

    const service = startProcess(process.execPath, ['service.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ISSUER: issuer, REDIS_URL: redisUrl(), REDIS_PREFIX: prefix } })
    running.push(service)
    const [, serviceUrl = ''] = await service.waitFor(/listening at (http:\/\/\S+)/, 30_000)

    const { stdout } = await run(process.execPath, ['caller.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ISSUER: issuer, API_KEY: key }, timeout: 30_000 })
    const token = /^token (\S+)$/m.exec(stdout)?.[1] ?? ''
    expect(token.split('.')).toHaveLength(3)
    expect(stdout).not.toContain(key)

    const call = async (path: string, bearer: string) => (await fetch(`${serviceUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } })).status
    expect(await call('/orders', token)).toBe(200)
    const [h, p, s = ''] = token.split('.')
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`
    expect(await call('/orders', flipped)).toBe(401)
    expect(await call('/export', token)).toBe(403)

    const revoked = await gw.app.inject({ method: 'POST', url: `/admin/keys/${record.keyId}/revoke?wait=true`, headers: { authorization: admin.authorization } })
    expect(revoked.json<{ propagated?: { applied: number } }>().propagated?.applied).toBeGreaterThanOrEqual(1)
    expect(await call('/orders', token)).toBe(401)
  }, 60_000)
})
