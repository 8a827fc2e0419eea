/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Code given to page.evaluate runs in the browser: its globals are the DOM's.
// The ops console end to end: a gateway process with Redis, an example service verifying its tokens, and
// Debian's Chromium driving the console as an operator would.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Page, Response } from 'playwright-core'
import { type Browser, launchBrowser, seriousViolations } from '../support/browser.ts'
import { type TestDatabase, createTestDatabase } from '../support/db.ts'
import { buildTestGateway, fileMasterKey } from '../support/gateway.ts'
import type { RunningProcess } from '../support/process.ts'
import { type Spawned, spawnGateway, spawnService } from '../support/processes.ts'
import { redisPrefix, redisUrl } from '../support/redis.ts'
import { freePort } from '../support/redis-server.ts'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const running: RunningProcess[] = []
let db: TestDatabase
let dataDir: string
let gateway: Spawned
let service: Spawned
let browser: Browser
let bootstrapKey: string
let bootstrapKeyId: string
let adminToken: string

interface KeyView { keyId: string, name: string, owner: string, state: string, start: string }
interface Created extends KeyView { key: string }

async function exchange (key: string, extra: Record<string, string> = {}): Promise<globalThis.Response> {
  return fetch(`${gateway.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: key, ...extra }) })
}

async function tokenOf (key: string): Promise<string> {
  const res = await exchange(key)
  expect(res.status).toBe(200)
  return (await res.json() as { access_token: string }).access_token
}

/** The admin API from the test's side, as the bootstrap admin. */
async function admin<T> (method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true)
  return await res.json() as T
}

async function signIn (page: Page, key = bootstrapKey): Promise<void> {
  await page.goto(`${gateway.url}/console`)
  await page.getByLabel('Admin API key').fill(key)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
}

async function newPage (): Promise<Page> {
  return browser.context.newPage()
}

function statusOf (page: Page) {
  return page.getByRole('status')
}

beforeAll(async () => {
  db = await createTestDatabase()
  dataDir = await mkdtemp(join(tmpdir(), 'keygate-console-'))
  const port = String(await freePort())
  const issuer = `http://127.0.0.1:${port}`
  const prefix = redisPrefix()
  gateway = await spawnGateway({
    PORT: port,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    KEYGATE_MASTER_KEY: fileMasterKey(),
    KEYGATE_ISSUER: issuer,
    KEYGATE_BOOTSTRAP_ADMIN: 'true',
    REDIS_URL: redisUrl(),
    KEYGATE_REDIS_PREFIX: prefix,
    KEYGATE_ADMIN_RATE_LIMIT: '100000',
    LOG_LEVEL: 'warn'
  }, running)
  await gateway.proc.waitFor(/created the first admin key/)
  bootstrapKey = (await readFile(join(dataDir, 'bootstrap-admin-key'), 'utf8')).trim()
  bootstrapKeyId = bootstrapKey.split('_')[2] ?? ''
  adminToken = await tokenOf(bootstrapKey)
  service = await spawnService({ KEYGATE_ISSUER: issuer, REDIS_URL: redisUrl(), KEYGATE_REDIS_PREFIX: prefix }, running)
  browser = await launchBrowser()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  for (const p of running.splice(0)) {
    p.child.kill('SIGTERM')
    await p.exited
  }
  await db?.drop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

// What the pages logged as errors (a CSP refusal is one) and every dialog they opened: none, ever.
afterEach(() => {
  expect(browser.problems.splice(0)).toEqual([])
})

describe('the ops console', () => {
  it('signs in with the bootstrap admin key, refuses a non-admin key with the API\'s message, and asks again after sign-out and in a new tab', async () => {
    const plain = await admin<Created>('POST', '/admin/keys', { name: 'reader', owner: 'team-a', scopes: ['orders:read'] })
    const page = await newPage()
    await page.goto(`${gateway.url}/console`)
    await page.getByLabel('Admin API key').fill(plain.key)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The requested scope exceeds the scope granted to the key')
    // The field does not keep what was typed.
    expect(await page.getByLabel('Admin API key').inputValue()).toBe('')

    await signIn(page)
    await expect.poll(() => page.locator('.who code').textContent()).toBe(bootstrapKeyId)
    const other = await newPage()
    await other.goto(`${gateway.url}/console#/keys`)
    await other.getByLabel('Admin API key').waitFor()
    await other.close()

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Admin API key').waitFor()
    await expect.poll(() => statusOf(page).textContent()).toBe('Signed out.')
    await page.close()
  })

  it('with an admin audience, asks tokens for it: a key with that audience signs in, one without is refused with the API\'s message', async () => {
    const gw = await buildTestGateway({ env: { KEYGATE_ADMIN_AUDIENCE: 'keygate-admin' } })
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 })
    const withAudience = await gw.createKey({ name: 'ops', scopes: ['keygate:admin'], audiences: ['keygate-admin'] })
    const without = await gw.createKey({ name: 'ops, no audience', scopes: ['keygate:admin'] })
    const page = await newPage()
    await page.goto(`${url}/console`)
    await page.getByText('Tokens are asked for the admin audience keygate-admin.').waitFor()
    await page.getByLabel('Admin API key').fill(without.key)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The requested audience is not allowed for this key')
    await page.getByLabel('Admin API key').fill(withAudience.key)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('link', { name: 'ops, no audience' }).waitFor()
    await page.close()
  })

  it.each(['EdDSA', 'ES256'])('signs in with a keypair key (%s): the page signs an assertion with a key it cannot read back, and keeps no PEM', async (alg) => {
    const created = await admin<Created & { privateKey: { pem: string } }>('POST', '/admin/keys', { name: `pair ${alg}`, owner: 'ops', scopes: ['keygate:admin'], keyPair: { alg } })
    const page = await newPage()
    await page.goto(`${gateway.url}/console`)
    await page.getByLabel('Key ID').fill(created.keyId)
    await page.getByLabel('Private key (PKCS#8 PEM)').fill('-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----')
    await page.getByRole('button', { name: 'Sign in with the keypair' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The private key must be an unencrypted PKCS#8 PEM (openssl pkcs8 -topk8 -nocrypt -in key.pem)')
    await page.getByLabel('Key ID').fill(created.keyId)
    await page.getByLabel('Private key (PKCS#8 PEM)').fill(created.privateKey.pem)
    await page.getByRole('button', { name: 'Sign in with the keypair' }).click()
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
    await expect.poll(() => page.locator('.who code').textContent()).toBe(created.keyId)
    const pemBody = created.privateKey.pem.split('\n')[1] ?? ''
    expect(pemBody.length).toBeGreaterThan(20)
    expect(await page.content()).not.toContain(pemBody)
    // A change made now is the keypair key's: the audit log names it.
    const target = await admin<Created>('POST', '/admin/keys', { name: `target of ${alg}`, owner: 'ops', scopes: ['orders:read'] })
    await page.goto(`${gateway.url}/console#/keys/${target.keyId}`)
    await page.getByRole('button', { name: 'Disable' }).click()
    await expect.poll(() => page.locator('.state').first().textContent()).toBe('disabled')
    const audit = await admin<{ items: Array<{ actor: string, action: string }> }>('GET', `/admin/audit?target=${target.keyId}&action=key.disable`)
    expect(audit.items.map((e) => e.actor)).toEqual([created.keyId])
    await page.close()
  })

  it('renews a refused token from the key in memory, and signs out with the API\'s reason once the key itself is revoked', async () => {
    const operator = await admin<Created>('POST', '/admin/keys', { name: 'renewal', owner: 'ops', scopes: ['keygate:admin'] })
    const page = await newPage()
    const tokens = new Set<string>()
    page.on('request', (request) => {
      const authorization = request.headers().authorization
      if (authorization?.startsWith('Bearer ')) tokens.add(authorization.slice(7))
    })
    await signIn(page, operator.key)
    expect(tokens.size).toBe(1)
    const [first] = tokens
    const revoked = await fetch(`${gateway.url}/oauth/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: new URLSearchParams({ token: first ?? '' }) })
    expect(revoked.status).toBe(200)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
    expect(tokens.size).toBe(2)

    await admin('POST', `/admin/keys/${operator.keyId}/revoke`)
    await page.getByRole('link', { name: 'Keys', exact: true }).click()
    await page.getByLabel('Admin API key').waitFor()
    await expect.poll(() => statusOf(page).textContent()).toBe('Signed out: Client authentication failed')
    await page.close()
  })

  it('shows a created key once; it works at /oauth/token, and after a reload it is nowhere: page, storage or listing responses', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url })
    const page = await newPage()
    await signIn(page)
    await page.getByRole('link', { name: 'Create a key' }).click()
    await page.getByLabel('Name').fill('checkout worker')
    await page.getByLabel('Owner').fill('checkout')
    await page.getByLabel('Scopes').fill('orders:read orders:write')
    await page.getByLabel('Environment').selectOption('test')
    await page.getByRole('button', { name: 'Create the key' }).click()
    await page.getByRole('heading', { level: 1, name: 'checkout worker created' }).waitFor()
    await expect.poll(() => page.getByText('you will not see it again').isVisible()).toBe(true)
    const key = (await page.locator('#secret-value').textContent()) ?? ''
    expect(key).toMatch(/^kg_test_[0-9A-Za-z]+_[0-9A-Za-z]{49}$/)
    await page.getByRole('button', { name: 'Copy the key' }).click()
    await expect.poll(() => statusOf(page).textContent()).toBe('The key is on the clipboard.')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key)
    await page.screenshot({ path: join(SCREENSHOTS, 'console-key-created.png') })
    expect((await exchange(key)).status).toBe(200)
    // Navigating away drops it: back on the keys screen, it is nowhere in the page.
    await page.getByRole('link', { name: 'Keys', exact: true }).click()
    await page.getByRole('link', { name: 'checkout worker', exact: true }).waitFor()
    expect(await page.content()).not.toContain(key.split('_')[3])

    const bodies: string[] = []
    page.on('response', (res: Response) => {
      if (res.url().includes('/admin/')) res.text().then((text) => bodies.push(text), () => {})
    })
    await page.reload()
    await signIn(page)
    await page.getByRole('link', { name: 'checkout worker', exact: true }).waitFor()
    await page.getByRole('link', { name: 'checkout worker', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'checkout worker' }).waitFor()
    await expect.poll(() => bodies.length).toBeGreaterThanOrEqual(3)
    expect(bodies.join('\n')).not.toContain(key.split('_')[3])
    expect(await page.content()).not.toContain(key.split('_')[3])
    const storage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      databases: (await indexedDB.databases()).length,
      caches: (await caches.keys()).length
    }))
    expect(storage).toEqual({ local: 0, session: 0, cookie: '', databases: 0, caches: 0 })
    expect(await browser.context.cookies()).toEqual([])
    await page.close()
  })

  it('revokes a key, shows how far the revocation reached, and the example service refuses its token', async () => {
    const target = await admin<Created>('POST', '/admin/keys', { name: 'leaked', owner: 'payments', scopes: ['orders:read'] })
    const token = await tokenOf(target.key)
    const orders = () => fetch(`${service.url}/orders`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)
    expect(await orders()).toBe(200)

    const page = await newPage()
    await signIn(page)
    await page.getByLabel('Find a key').fill(target.key)
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('heading', { level: 1, name: 'leaked' }).waitFor()
    expect(await page.getByLabel('Find a key').count()).toBe(0)
    await page.getByLabel('Reason (kept in the audit log)').first().fill('pasted in a public channel')
    await page.getByRole('button', { name: 'Revoke this key' }).click()
    await expect.poll(() => statusOf(page).textContent()).toMatch(/^Revoked leaked: reached 1\/1 verifier in \d+ ms$/)
    expect(await orders()).toBe(401)
    await expect.poll(() => page.locator('.state').first().textContent()).toBe('revoked')
    await page.close()
  })

  it('rotates with a grace period, disables, enables and revokes an owner, each in the list and the audit log with the signed-in key as actor', async () => {
    const first = await admin<Created>('POST', '/admin/keys', { name: 'billing api', owner: 'billing', scopes: ['orders:read'] })
    await admin<Created>('POST', '/admin/keys', { name: 'billing cron', owner: 'billing', scopes: ['orders:read'] })
    // Another admin than the one that made the keys: the audit log names who acted in the console.
    const operator = await admin<Created>('POST', '/admin/keys', { name: 'on-call', owner: 'ops', scopes: ['keygate:admin'] })
    const page = await newPage()
    await signIn(page, operator.key)
    await page.goto(`${gateway.url}/console#/keys/${first.keyId}`)
    await page.getByRole('heading', { level: 1, name: 'billing api' }).waitFor()

    await page.getByLabel('Grace period for the current key').selectOption('3600')
    await page.getByRole('button', { name: 'Rotate' }).click()
    await page.getByRole('heading', { level: 1, name: 'billing api rotated' }).waitFor()
    const successor = (await page.locator('#secret-value').textContent()) ?? ''
    const successorId = successor.split('_')[2] ?? ''
    expect(successorId).not.toBe(first.keyId)
    // The old key works through its grace period, the new one at once.
    expect((await exchange(first.key)).status).toBe(200)
    expect((await exchange(successor)).status).toBe(200)
    await page.getByRole('link', { name: 'Done: go to billing api' }).click()
    await page.getByRole('heading', { level: 1, name: 'billing api' }).waitFor()
    await expect.poll(() => page.locator('dd').filter({ hasText: first.keyId }).count()).toBeGreaterThan(0)
    await page.getByRole('link', { name: first.keyId }).click()
    await page.getByRole('heading', { level: 1, name: 'billing api' }).waitFor()
    await expect.poll(() => page.getByRole('link', { name: successorId }).count()).toBe(1)

    await page.getByRole('button', { name: 'Disable' }).click()
    await expect.poll(() => statusOf(page).textContent()).toMatch(/^Disabled billing api: reached 1\/1 verifier in \d+ ms$/)
    await expect.poll(() => page.locator('.state').first().textContent()).toBe('disabled')
    expect((await exchange(first.key)).status).toBe(401)
    await page.getByRole('button', { name: 'Enable' }).click()
    await expect.poll(() => statusOf(page).textContent()).toBe('Enabled billing api')
    await expect.poll(() => page.locator('.state').first().textContent()).toBe('active')

    await page.getByRole('button', { name: 'Revoke every key of billing…' }).click()
    // Three keys: the rotated one (in its grace period), its successor and the cron key.
    await page.getByText('This revokes 3 keys of billing, and every token minted from them. It cannot be undone.').waitFor()
    await page.getByRole('button', { name: 'Revoke 3 keys' }).click()
    await expect.poll(() => statusOf(page).textContent()).toMatch(/^Revoked 3 keys of billing: reached 1\/1 verifier in \d+ ms$/)

    await page.getByRole('link', { name: 'Keys', exact: true }).click()
    await page.getByLabel('Owner').fill('billing')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(async () => page.locator('tbody .state').allTextContents()).toEqual(['revoked', 'revoked', 'revoked'])

    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.getByLabel('Actor (key ID)').fill(operator.keyId)
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
    await expect.poll(async () => {
      const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
      return rows.filter((cells) => cells[1] === operator.keyId && (cells[3] === first.keyId || cells[3] === 'billing')).map((cells) => cells[2])
    }).toEqual(['key.rotate', 'key.disable', 'key.enable', 'key.revoke', 'owner.revoke'])
    await page.close()
  })

  it('pages through 60 keys', async () => {
    for (let i = 0; i < 60; i++) await admin('POST', '/admin/keys', { name: `fleet ${String(i).padStart(2, '0')}`, owner: 'fleet', scopes: ['orders:read'] })
    const page = await newPage()
    await signIn(page)
    await page.goto(`${gateway.url}/console#/keys?owner=fleet`)
    const seen: string[] = []
    for (;;) {
      await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
      await page.locator('tbody tr').first().waitFor()
      seen.push(...await page.locator('tbody tr td:first-child').allTextContents())
      const next = page.getByRole('link', { name: 'Next page' })
      if (await next.count() === 0) break
      const before = await page.locator('tbody tr td:first-child').first().textContent()
      await next.click()
      await expect.poll(() => page.locator('tbody tr td:first-child').first().textContent()).not.toBe(before)
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `fleet ${String(i).padStart(2, '0')}`))
    await page.close()
  })

  it('shows a key named with markup as text, and no script runs', async () => {
    const name = '<img src=x onerror=alert(1)>'
    const key = await admin<Created>('POST', '/admin/keys', { name, owner: '<b>owner</b>', scopes: ['orders:read'], metadata: { note: '<script>alert(2)</script>' } })
    const page = await newPage()
    await signIn(page)
    await page.goto(`${gateway.url}/console#/keys?owner=${encodeURIComponent('<b>owner</b>')}`)
    await page.getByRole('link', { name }).waitFor()
    expect(await page.locator('img, script:not([src]), b').count()).toBe(0)
    await page.getByRole('link', { name }).click()
    await page.getByRole('heading', { level: 1, name }).waitFor()
    expect(await page.locator('img, script:not([src]), b').count()).toBe(0)
    expect(await page.getByText('{"note":"<script>alert(2)</script>"}').count()).toBe(1)
    // A markup sink refuses even a script of the page's own: Trusted Types are required.
    const sink = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<i>x</i>')
        return 'accepted'
      } catch (err) {
        return (err as Error).name
      }
    })
    expect(sink).toBe('TypeError')
    expect(browser.problems.splice(0)).toEqual(["console error: This document requires 'TrustedHTML' assignment. The action has been blocked."])
    expect(key.name).toBe(name)
    await page.close()
  })

  it('sends the CSP and the other headers on every console response, and nothing it should not serve', async () => {
    const html = await fetch(`${gateway.url}/console`)
    const sources = [...(await html.clone().text()).matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1] ?? '')
    expect(sources).toEqual(['/console/favicon.svg', '/console/console.css', '/console/main.js'])
    const urls = ['/console', '/console/', ...sources, '/console/screens/keys.js', '/console/main.d.ts', '/console/.tsbuildinfo', '/console/index.html', '/console/..%2fconfig.js', '/console/..%5cconfig.js', '/console/a%00b.js', '/console/nope.js']
    for (const url of urls) {
      const res = await fetch(`${gateway.url}${url}`)
      const headers = Object.fromEntries(res.headers)
      expect(headers['content-security-policy'], url).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types")
      expect(headers['referrer-policy'], url).toBe('no-referrer')
      expect(headers['x-frame-options'], url).toBe('DENY')
      expect(headers['x-content-type-options'], url).toBe('nosniff')
      expect(headers['cache-control'], url).toBe('no-store')
    }
    const statuses = await Promise.all(urls.map(async (url) => [url, (await fetch(`${gateway.url}${url}`)).status]))
    expect(Object.fromEntries(statuses)).toEqual({
      '/console': 200,
      '/console/': 200,
      '/console/favicon.svg': 200,
      '/console/console.css': 200,
      '/console/main.js': 200,
      '/console/screens/keys.js': 200,
      '/console/main.d.ts': 404,
      '/console/.tsbuildinfo': 404,
      '/console/index.html': 404,
      '/console/..%2fconfig.js': 404,
      '/console/..%5cconfig.js': 403,
      '/console/a%00b.js': 403,
      '/console/nope.js': 404
    })
    const script = await fetch(`${gateway.url}/console/main.js`)
    expect(script.headers.get('content-type')).toMatch(/^(text|application)\/javascript/)
    // Nothing is kept to revalidate (no-store, no ETag); a HEAD carries the headers too.
    expect(script.headers.get('etag')).toBeNull()
    const head = await fetch(`${gateway.url}/console/main.js`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/)
  })

  it('has no serious or critical accessibility violation on any screen', async () => {
    const page = await newPage()
    await page.goto(`${gateway.url}/console`)
    await page.getByLabel('Admin API key').waitFor()
    const found: Record<string, string[]> = { 'sign-in': await seriousViolations(page) }
    await signIn(page)
    const key = await admin<Created>('POST', '/admin/keys', { name: 'a11y', owner: 'a11y', scopes: ['orders:read'] })
    const screens: Array<[string, string, string]> = [
      ['keys', '#/keys', 'Keys'],
      ['key', `#/keys/${key.keyId}`, 'a11y'],
      ['create', '#/create', 'Create a key'],
      ['audit', '#/audit', 'Audit log'],
      ['signing keys', '#/signing-keys', 'Signing keys'],
      ['verifiers', '#/verifiers', 'Verifiers']
    ]
    for (const [name, hash, heading] of screens) {
      await page.goto(`${gateway.url}/console${hash}`)
      await page.getByRole('heading', { level: 1, name: heading }).waitFor()
      found[name] = await seriousViolations(page)
      await page.screenshot({ path: join(SCREENSHOTS, `console-${name.replace(' ', '-')}.png`) })
    }
    await page.goto(`${gateway.url}/console#/create`)
    await page.getByLabel('Name').fill('once')
    await page.getByLabel('Owner').fill('a11y')
    await page.getByLabel('Scopes').fill('orders:read')
    await page.getByRole('button', { name: 'Create the key' }).click()
    await page.getByRole('heading', { level: 1, name: 'once created' }).waitFor()
    found['created once'] = await seriousViolations(page)
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])))
    await page.close()
  })

  it('works with the keyboard alone: sign in, find a key and revoke it', async () => {
    const target = await admin<Created>('POST', '/admin/keys', { name: 'keyboard', owner: 'kb', scopes: ['orders:read'] })
    const page = await newPage()
    await page.goto(`${gateway.url}/console`)
    await page.getByLabel('Admin API key').waitFor()
    // The sign-in field has the focus: type the key, Enter.
    await page.keyboard.type(bootstrapKey)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
    const tabTo = async (label: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab')
        const focused = await page.locator(':focus').evaluate((el) => (el as { labels?: ArrayLike<{ textContent: string | null }> }).labels?.[0]?.textContent ?? el.textContent ?? '')
        if (focused === label) return
      }
      throw new Error(`no focusable element named ${label}`)
    }
    await tabTo('Find a key')
    await page.keyboard.type(target.keyId)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'keyboard' }).waitFor()
    await tabTo('Reason (kept in the audit log)')
    await page.keyboard.type('keyboard only')
    await page.keyboard.press('Enter')
    await expect.poll(() => statusOf(page).textContent()).toMatch(/^Revoked keyboard: reached 1\/1 verifier/)
    expect((await exchange(target.key)).status).toBe(401)
    await page.close()
  })

  // Last: it revokes the key that signed every token so far (the test's own admin token is renewed after).
  it('revokes a signing key after a confirmation that has the focus on Cancel, and signs on with a fresh key', async () => {
    const page = await newPage()
    await signIn(page)
    await page.getByRole('link', { name: 'Signing keys' }).click()
    await page.getByRole('heading', { level: 1, name: 'Signing keys' }).waitFor()
    const active = await page.locator('tbody tr').filter({ has: page.locator('.state-active') }).locator('td:first-child').textContent() ?? ''
    await page.getByRole('button', { name: `Revoke ${active}…` }).click()
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Cancel')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator(':focus').textContent()).toBe(`Revoke ${active}…`)
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: `Revoke ${active} now` }).click()
    await expect.poll(() => statusOf(page).textContent()).toMatch(new RegExp(`^Revoked ${active}; \\S+ signs now: reached 1/1 verifier in \\d+ ms$`))
    await expect.poll(() => page.locator('tbody tr').filter({ hasText: active }).locator('.state').textContent()).toBe('revoked')
    // The page's own token was signed by that key: it is renewed, and the console goes on.
    await page.getByRole('link', { name: 'Keys', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
    expect((await fetch(`${gateway.url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(401)
    adminToken = await tokenOf(bootstrapKey)
    await page.close()
  })
})
