// The fields of a key as the admin API and the CLI take them: one schema each, so that both refuse the
// same inputs, and Postgres never sees a value it would refuse (a NUL byte, a lone surrogate, a leap
// second, a year it cannot store).
import { Type } from '@fastify/type-provider-typebox'
import { MAX_AUDIENCE_LENGTH, SCOPE_PATTERN } from '@keygate/protocol'
import { PREFIX_PATTERN } from './format.ts'

/** One line of text: no control character, no unpaired surrogate. */
export const LINE_PATTERN = '^[^\\p{Cc}\\p{Cs}]+$'
/** Free text (a reason): line breaks and tabs allowed; no NUL, no other C0 control, no unpaired surrogate. */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\p{Cs}]*$'
/** An RFC 3339 instant Postgres can store: a year from 1970 to 9999, no leap second, Z or an offset. */
const TIMESTAMP_PATTERN = '^(19[7-9]\\d|[2-9]\\d{3})-\\d{2}-\\d{2}T\\d{2}:\\d{2}:[0-5]\\d(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})$'

export const Line = (maxLength: number, extra: { examples?: string[], description?: string } = {}) =>
  Type.String({ minLength: 1, maxLength, pattern: LINE_PATTERN, ...extra })

export const KeyId = Type.String({ pattern: '^[0-9A-Za-z]{1,64}$', examples: ['4f8Ab2Kq9Zt1'] })
export const Owner = Line(128, { examples: ['billing'] })
export const Name = Line(128, { examples: ['billing worker'] })
export const Reason = Type.String({ maxLength: 512, pattern: TEXT_PATTERN })
export const Scope = Type.String({ pattern: SCOPE_PATTERN.source, examples: ['orders:read'] })
export const Audience = Line(MAX_AUDIENCE_LENGTH, { examples: ['orders-api'] })
export const Cidr = Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f.:/]+$', examples: ['10.0.0.0/8'] })
export const Timestamp = Type.String({ format: 'date-time', pattern: TIMESTAMP_PATTERN, examples: ['2027-01-01T00:00:00Z'] })
export const Prefix = Type.String({ pattern: PREFIX_PATTERN.source, examples: ['kg_test'] })

/** Labels for a key: a flat map of short names to short values. */
export const Metadata = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
  Type.Union([Type.String({ maxLength: 256, pattern: TEXT_PATTERN }), Type.Number(), Type.Boolean(), Type.Null()]),
  { maxProperties: 32, description: 'up to 32 names (letters, digits, _ . : -) with a string (≤ 256), number, boolean or null' }
)

export const MAX_SCOPES_PER_KEY = 64
export const MAX_AUDIENCES_PER_KEY = 16
export const KeyScopes = Type.Array(Scope, { maxItems: MAX_SCOPES_PER_KEY, uniqueItems: true })
export const KeyAudiences = Type.Array(Audience, { maxItems: MAX_AUDIENCES_PER_KEY, uniqueItems: true })
export const KeyAllowlist = Type.Array(Cidr, { maxItems: 64 })
