// Schemas of the admin API: what goes in is bounded and validated; what comes out never holds a secret or a hash.
import { Type } from '@fastify/type-provider-typebox'
import { KeyAllowlist, KeyAudiences, KeyId, KeyScopes, Line, Metadata, Name, Owner, Reason, Timestamp } from '../keys/fields.ts'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
const Cursor = Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })

export const KeyIdParams = Type.Object({ keyId: KeyId })
export const OwnerParams = Type.Object({ owner: Owner })

// A keypair key's credential: the caller's public key, or a pair the gateway generates (private half shown once).
const PublicKeyInput = Type.Union([
  Type.String({ maxLength: 1024, description: 'an SPKI PEM (-----BEGIN PUBLIC KEY-----)' }),
  Type.Record(Type.String({ maxLength: 16 }), Type.String({ maxLength: 512 }), { maxProperties: 16, description: 'a public JWK (OKP Ed25519 or EC P-256)' })
], { description: 'Makes a keypair key: the gateway keeps this public key, never a secret' })
const KeyPairRequest = Type.Object({
  alg: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')])
}, { additionalProperties: false, description: 'Makes a keypair key whose pair the gateway generates: the private key is in the response this once' })

export const CreateKeyBody = Type.Object({
  name: Name,
  owner: Owner,
  scopes: KeyScopes,
  audiences: Type.Optional(KeyAudiences),
  ipAllowlist: Type.Optional(KeyAllowlist),
  expiresAt: Type.Optional(Nullable(Timestamp)),
  metadata: Type.Optional(Metadata),
  environment: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'kg_live (default: the configured prefix) or kg_test' })),
  publicKey: Type.Optional(PublicKeyInput),
  keyPair: Type.Optional(KeyPairRequest)
}, { additionalProperties: false })

export const UpdateKeyBody = Type.Object({
  name: Type.Optional(Name),
  scopes: Type.Optional(KeyScopes),
  audiences: Type.Optional(KeyAudiences),
  ipAllowlist: Type.Optional(KeyAllowlist),
  expiresAt: Type.Optional(Nullable(Timestamp)),
  metadata: Type.Optional(Metadata)
}, { additionalProperties: false, minProperties: 1 })

export const ReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false })
export const RotateBody = Type.Object({
  gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400, default: 0, examples: [3600] })),
  publicKey: Type.Optional(PublicKeyInput),
  keyPair: Type.Optional(KeyPairRequest)
}, { additionalProperties: false })

export const KeyRecord = Type.Object({
  keyId: Type.String({ examples: ['4f8Ab2Kq9Zt1'] }),
  name: Type.String(),
  owner: Type.String(),
  environment: Type.String({ examples: ['live'] }),
  start: Type.String({ description: 'prefix, keyId and the last four characters', examples: ['kg_live_4f8Ab2Kq9Zt1_…7Bb4'] }),
  scopes: Type.Array(Type.String()),
  audiences: Type.Array(Type.String()),
  ipAllowlist: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  state: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('revoked'), Type.Literal('expired')]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  expiresAt: Nullable(Type.String()),
  disabledAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  revokedReason: Nullable(Type.String()),
  lastUsedAt: Nullable(Type.String()),
  rotatedFrom: Nullable(Type.String()),
  credential: Type.Union([Type.Literal('secret'), Type.Literal('keypair')]),
  publicKeys: Type.Array(Type.Object({
    thumbprint: Type.String({ description: 'RFC 7638 JWK thumbprint' }),
    alg: Type.String(),
    jwk: Type.Record(Type.String(), Type.String()),
    createdAt: Type.String(),
    expiresAt: Nullable(Type.String())
  }), { description: 'A keypair key\'s public keys still accepted' })
})

export const CreatedKey = Type.Object({
  key: Type.Optional(Type.String({ description: 'The full API key of a secret key. Shown this once: keygate keeps only its hash.' })),
  privateKey: Type.Optional(Type.Object({
    pem: Type.String({ description: 'PKCS#8' }),
    jwk: Type.Record(Type.String(), Type.String())
  }, { description: 'A generated keypair\'s private key. Shown this once: keygate keeps only the public key.' })),
  ...KeyRecord.properties
})

export const KeyPage = Type.Object({ items: Type.Array(KeyRecord), nextCursor: Nullable(Type.String()) })

export const ListKeysQuery = Type.Object({
  owner: Type.Optional(Owner),
  environment: Type.Optional(Line(16)),
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('revoked'), Type.Literal('expired')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: Type.Optional(Cursor)
})

export const AuditQuery = Type.Object({
  actor: Type.Optional(Line(128)),
  action: Type.Optional(Line(64)),
  target: Type.Optional(Line(128)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: Type.Optional(Cursor)
})

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String({ examples: ['key.revoke'] }),
  target: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  clientIp: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown())
})

export const AuditPage = Type.Object({ items: Type.Array(AuditEntry), nextCursor: Nullable(Type.String()) })

export const Propagated = Type.Object({
  applied: Type.Integer({ description: 'live verifiers that have applied the revocation' }),
  live: Type.Integer({ description: 'verifiers with a fresh heartbeat' }),
  complete: Type.Boolean({ description: 'every live verifier has applied it, and at least one is live; false with none listening' }),
  ms: Type.Integer({ description: 'time waited' })
}, { description: 'Present when Redis fans revocations out to verifiers' })

export const KeyRecordWithPropagation = Type.Object({ ...KeyRecord.properties, propagated: Type.Optional(Propagated) })

export const WaitQuery = Type.Object({
  wait: Type.Optional(Type.Boolean({ default: false, description: 'wait (at most 5 s) until every live verifier has applied the revocation' }))
})
