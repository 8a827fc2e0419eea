// A server-to-server caller: holds an API key, calls example-service through keygate tokens.
// KEYGATE_ISSUER, KEYGATE_API_KEY, SERVICE_URL (default http://127.0.0.1:4000), CALLS (default 5).
import { createAuthenticatedFetch, createTokenProvider } from '@keygate/client'

const issuer = process.env.KEYGATE_ISSUER ?? 'http://127.0.0.1:3000'
const apiKey = process.env.KEYGATE_API_KEY
const serviceUrl = process.env.SERVICE_URL ?? 'http://127.0.0.1:4000'
const calls = Number(process.env.CALLS ?? 5)

if (!apiKey) {
  process.stderr.write('example-caller: set KEYGATE_API_KEY to a key with scope orders:read (pnpm keygate keys create --owner me --scopes orders:read,orders:write)\n')
  process.exit(2)
}

const api = createAuthenticatedFetch(createTokenProvider({ issuer, apiKey, scope: 'orders:read orders:write' }))

const created = await api(`${serviceUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'coffee' }) })
process.stdout.write(`POST /orders → ${created.status} ${await created.text()}\n`)
for (let i = 0; i < calls; i++) {
  const res = await api(`${serviceUrl}/orders`)
  process.stdout.write(`GET /orders → ${res.status} ${await res.text()}\n`)
}
