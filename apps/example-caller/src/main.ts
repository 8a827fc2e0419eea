// A server-to-server caller: holds a key, calls example-service through keygate tokens.
// KEYGATE_ISSUER, SERVICE_URL (default http://127.0.0.1:4000), CALLS (default 5), and either
// KEYGATE_API_KEY (a secret key) or KEYGATE_PRIVATE_KEY_FILE with KEYGATE_CLIENT_ID (a keypair key).
import { readFileSync } from 'node:fs'
import { createAuthenticatedFetch, createTokenProvider } from '@keygate/client'

const issuer = process.env.KEYGATE_ISSUER ?? 'http://127.0.0.1:3000'
const apiKey = process.env.KEYGATE_API_KEY
const privateKeyFile = process.env.KEYGATE_PRIVATE_KEY_FILE
const clientId = process.env.KEYGATE_CLIENT_ID
const serviceUrl = process.env.SERVICE_URL ?? 'http://127.0.0.1:4000'
const calls = Number(process.env.CALLS ?? 5)
const scope = 'orders:read orders:write'

function tokenProvider () {
  if (apiKey) return createTokenProvider({ issuer, apiKey, scope })
  if (privateKeyFile && clientId) return createTokenProvider({ issuer, privateKey: readFileSync(privateKeyFile, 'utf8'), clientId, scope })
  process.stderr.write('example-caller: set KEYGATE_API_KEY (pnpm keygate keys create --owner me --scopes orders:read,orders:write), or KEYGATE_PRIVATE_KEY_FILE and KEYGATE_CLIENT_ID (keys create --keypair EdDSA)\n')
  process.exit(2)
}

const api = createAuthenticatedFetch(tokenProvider())

const created = await api(`${serviceUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'coffee' }) })
process.stdout.write(`POST /orders → ${created.status} ${await created.text()}\n`)
for (let i = 0; i < calls; i++) {
  const res = await api(`${serviceUrl}/orders`)
  process.stdout.write(`GET /orders → ${res.status} ${await res.text()}\n`)
}
