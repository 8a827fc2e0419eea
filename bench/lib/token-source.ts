// An issuer for the verification peers: an ES256 key (the one algorithm every peer stack verifies), its
// JWKS served from this process, and keygate-shaped access tokens signed with it.
import { createServer } from 'node:http'
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'

export interface TokenSource {
  /** The issuer, and where `/.well-known/jwks.json` is served. */
  issuer: string
  /** `n` distinct tokens for audience `keygate`, valid for five minutes. */
  tokens (n: number): string[]
  close (): Promise<void>
}

export async function startTokenSource (): Promise<TokenSource> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const kid = randomBytes(8).toString('base64url')
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] })
  const server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(jwks)
    else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const header = b64({ alg: 'ES256', typ: 'at+jwt', kid })
  return {
    issuer,
    tokens (n) {
      const now = Math.floor(Date.now() / 1000)
      return Array.from({ length: n }, () => {
        const input = `${header}.${b64({ iss: issuer, sub: 'bench', aud: 'keygate', client_id: 'benchClient01', scope: 'orders:read', jti: randomBytes(12).toString('base64url'), iat: now, exp: now + 300 })}`
        return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
      })
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
