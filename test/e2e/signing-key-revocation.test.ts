import { createPrivateKey, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openPrivateKey } from '../../apps/gateway/src/tokens/sealed-key.ts'
import { type Cluster, startCluster } from '../support/cluster.ts'
import { decodeJwt, fileDatabase, fileMasterKey } from '../support/gateway.ts'
import { until } from '../support/until.ts'

/** Signs any claims with a signing key's private half, read back from the database under the master key. */
async function forgerFor (kid: string): Promise<(claims: Record<string, unknown>) => string> {
  const db = await fileDatabase()
  const { rows } = await db.pool.query<{ sealed: Buffer }>('SELECT private_key_enc AS sealed FROM signing_keys WHERE kid = $1', [kid])
  const der = openPrivateKey(Buffer.from(fileMasterKey(), 'base64'), kid, rows[0]?.sealed ?? Buffer.alloc(0))
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  return (claims) => {
    const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid })}.${b64(claims)}`
    return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`
  }
}

/** An admin token of the cluster's admin key, forged: what a thief of the signing key would make. */
function forgedAdminClaims (cluster: Cluster, kgen: number): Record<string, unknown> {
  const { payload } = decodeJwt(cluster.admin.slice('Bearer '.length))
  const now = Math.floor(Date.now() / 1000)
  return { ...payload, jti: `forged-${Math.random()}`, iat: now, exp: now + 300, kgen }
}

const listKeys = async (gateway: string, authorization: string): Promise<number> =>
  (await fetch(`${gateway}/admin/keys?limit=1`, { headers: { authorization } })).status

const kidOf = (token: string): string => decodeJwt(token).header.kid as string

describe('a leaked signing key', () => {
  it('is refused at once by every gateway and verifier once its revocation is answered, and a fresh key signs', async () => {
    const cluster = await startCluster()
    const [a, b] = cluster.gateways
    const [key] = await cluster.keys(1, { scopes: ['orders:read'] })
    const before = await cluster.exchange(a, key?.key ?? '')
    const leaked = kidOf(before.token ?? '')
    const forged = `Bearer ${(await forgerFor(leaked))(forgedAdminClaims(cluster, 1))}`
    // Both gateways have accepted tokens of that kid, the forged one too; both verifiers too.
    for (const gateway of cluster.gateways) {
      expect(await listKeys(gateway, cluster.admin)).toBe(200)
      expect(await listKeys(gateway, forged)).toBe(200)
    }
    for (const service of cluster.services) expect(await cluster.orders(service, before.token ?? '')).toBe(200)

    const revoked = await fetch(`${b}/admin/signing-keys/${leaked}/revoke?wait=true`, { method: 'POST', headers: { authorization: cluster.admin } })
    expect(revoked.status, await revoked.clone().text()).toBe(200)
    const answer = await revoked.json() as { revoked: boolean, replacement: string, propagated: { applied: number, live: number } }
    expect(answer).toMatchObject({ revoked: true, propagated: { applied: 2, live: 2 } })

    for (const gateway of cluster.gateways) {
      expect(await listKeys(gateway, forged), `forged admin token at ${gateway}`).toBe(401)
      expect(await listKeys(gateway, cluster.admin), `real admin token of the leaked kid at ${gateway}`).toBe(401)
    }
    for (const service of cluster.services) expect(await cluster.orders(service, before.token ?? '')).toBe(401)
    const jwks = await (await fetch(`${a}/.well-known/jwks.json`)).json() as { keys: Array<{ kid: string }> }
    expect(jwks.keys.map((k) => k.kid)).not.toContain(leaked)

    // The gateway that answered signs with the fresh key at once; the other as soon as it hears (NOTIFY).
    const after = await cluster.exchange(b, key?.key ?? '')
    expect(kidOf(after.token ?? '')).toBe(answer.replacement)
    await until(async () => kidOf((await cluster.exchange(a, key?.key ?? '')).token ?? '') === answer.replacement, 5_000)
    for (const service of cluster.services) expect(await cluster.orders(service, after.token ?? '')).toBe(200)

    const again = await fetch(`${a}/admin/signing-keys/${leaked}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${(await cluster.exchange(a, (await cluster.keys(1, { scopes: ['keygate:admin'] }))[0]?.key ?? '')).token ?? ''}` } })
    expect(await again.json()).toMatchObject({ kid: leaked, revoked: false })
  }, 60_000)

  it('refuses tokens of a retired key at every gateway at once, and at every verifier once the retirement is announced', async () => {
    const cluster = await startCluster()
    const [a] = cluster.gateways
    const [key] = await cluster.keys(1, { scopes: ['orders:read'] })
    const old = kidOf((await cluster.exchange(a, key?.key ?? '')).token ?? '')
    const forge = await forgerFor(old)
    const rotated = await fetch(`${a}/admin/signing-keys/rotate`, { method: 'POST', headers: { authorization: cluster.admin, 'content-type': 'application/json' }, body: JSON.stringify({ activateInSeconds: 0 }) })
    expect(rotated.status).toBe(201)
    const forgedOrders = (): string => {
      const now = Math.floor(Date.now() / 1000)
      return forge({ iss: 'http://keygate.test', sub: 'race', aud: 'keygate', client_id: key?.keyId, scope: 'orders:read', jti: `f-${Math.random()}`, iat: now, exp: now + 300, kgen: 1 })
    }
    for (const service of cluster.services) expect(await cluster.orders(service, forgedOrders())).toBe(200)

    // Time passes: the old key's last tokens have expired, and it retires.
    const db = await fileDatabase()
    await db.pool.query("UPDATE signing_keys SET retires_at = now() - interval '1 second' WHERE kid = $1", [old])
    const forgedAdmin = `Bearer ${forge(forgedAdminClaims(cluster, 1))}`
    for (const gateway of cluster.gateways) expect(await listKeys(gateway, forgedAdmin)).toBe(401)
    for (const service of cluster.services) await until(async () => await cluster.orders(service, forgedOrders()) === 401, 5_000)
  }, 60_000)
})
