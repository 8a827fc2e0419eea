// The shapes of the admin API's answers that the console reads (the OpenAPI document at /docs has them all).

export interface Propagation { applied: number, live: number, complete: boolean, ms: number }

export interface KeyRecord {
  keyId: string
  name: string
  owner: string
  environment: string
  start: string
  scopes: string[]
  audiences: string[]
  ipAllowlist: string[]
  metadata: Record<string, unknown>
  state: 'active' | 'disabled' | 'revoked' | 'expired'
  createdAt: string
  expiresAt: string | null
  disabledAt: string | null
  revokedAt: string | null
  revokedReason: string | null
  lastUsedAt: string | null
  rotatedFrom: string | null
  credential: 'secret' | 'keypair'
  publicKeys: Array<{ thumbprint: string, alg: string, createdAt: string, expiresAt: string | null }>
  propagated?: Propagation
}

export interface CreatedKey extends KeyRecord {
  key?: string
  privateKey?: { pem: string }
}

export interface Page<T> { items: T[], nextCursor: string | null }

export interface AuditEntry {
  id: string
  at: string
  actor: string
  action: string
  target: string | null
  reason: string | null
  clientIp: string | null
  details: Record<string, unknown>
}

export interface SigningKey {
  kid: string
  alg: string
  state: 'pending' | 'active' | 'retiring' | 'retired' | 'revoked'
  createdAt: string
  activatesAt: string
  retiresAt: string | null
  revokedAt: string | null
}

export interface VerifierFleet {
  fanout: boolean
  publishedSeq: number | null
  items: Array<{ id: string, heartbeatAt: string, appliedSeq: number | null, current: boolean }>
}
