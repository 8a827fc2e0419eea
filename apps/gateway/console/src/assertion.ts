// A keypair key's sign-in: its private key imported once as a non-extractable CryptoKey (script cannot read
// it back), which signs a short client assertion (RFC 7523, private_key_jwt) for each token request.

export interface KeypairCredential {
  keyId: string
  alg: 'EdDSA' | 'ES256'
  privateKey: CryptoKey
}

/** An assertion lives this long: the gateway accepts at most five minutes. */
const ASSERTION_SECONDS = 60

const ALGORITHMS: Array<{ alg: KeypairCredential['alg'], importAs: EcKeyImportParams | Algorithm, signWith: EcdsaParams | Algorithm }> = [
  { alg: 'EdDSA', importAs: { name: 'Ed25519' }, signWith: { name: 'Ed25519' } },
  { alg: 'ES256', importAs: { name: 'ECDSA', namedCurve: 'P-256' }, signWith: { name: 'ECDSA', hash: 'SHA-256' } }
]

function base64url (bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function derOf (pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pem)
  if (!match?.[1]) {
    throw new Error(/BEGIN (EC |ENCRYPTED )?PRIVATE KEY/.test(pem)
      ? 'The private key must be an unencrypted PKCS#8 PEM (openssl pkcs8 -topk8 -nocrypt -in key.pem)'
      : 'That is not a PEM private key (-----BEGIN PRIVATE KEY-----)')
  }
  return Uint8Array.from(atob(match[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0))
}

/** The keypair credential of a key ID and its PKCS#8 PEM (Ed25519 or P-256); the PEM is not kept. */
export async function importKeypair (keyId: string, pem: string): Promise<KeypairCredential> {
  const der = derOf(pem)
  for (const { alg, importAs } of ALGORITHMS) {
    try {
      return { keyId, alg, privateKey: await crypto.subtle.importKey('pkcs8', der, importAs, false, ['sign']) }
    } catch {
      // Not this algorithm's key: try the next.
    }
  }
  throw new Error('The private key is neither Ed25519 nor P-256')
}

/** A fresh assertion for the gateway whose issuer identifier is `issuer`. */
export async function signAssertion (credential: KeypairCredential, issuer: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const encode = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)))
  const jti = base64url(crypto.getRandomValues(new Uint8Array(16)))
  const input = `${encode({ alg: credential.alg, typ: 'JWT' })}.${encode({ iss: credential.keyId, sub: credential.keyId, aud: issuer, iat: now, exp: now + ASSERTION_SECONDS, jti })}`
  const signWith = ALGORITHMS.find((a) => a.alg === credential.alg)?.signWith ?? { name: 'Ed25519' }
  const signature = await crypto.subtle.sign(signWith, credential.privateKey, new TextEncoder().encode(input))
  return `${input}.${base64url(new Uint8Array(signature))}`
}
