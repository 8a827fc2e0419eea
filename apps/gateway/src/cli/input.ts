// The CLI's input, checked by the admin API's own schemas (routes/admin-schemas.ts) with the same strict
// validator: whatever the API refuses, the CLI refuses too, naming the option.
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox'
import { CreateKeyBody, KeyIdParams, OwnerParams, ReasonBody, RotateBody, UpdateKeyBody } from '../routes/admin-schemas.ts'
import { Prefix } from '../keys/fields.ts'
import { compileStrict } from '../http/validator.ts'
import { CliError, EXIT } from './output.ts'

const { environment: _environment, publicKey: _publicKey, keyPair: _keyPair, ...createFields } = CreateKeyBody.properties
/** `keys create`: the API's body, with --prefix where the API takes an environment. */
export const CliCreateKey = Type.Object({ ...createFields, prefix: Type.Optional(Prefix) }, { additionalProperties: false })
export { KeyIdParams as CliKeyId, OwnerParams as CliOwner, ReasonBody as CliReason, RotateBody as CliRotate, UpdateKeyBody as CliUpdateKey }

// An option's name, or the positional argument's (keyId, owner).
const OPTION_NAMES: Record<string, string> = { gracePeriodSeconds: '--grace-period', keyId: 'the keyId', owner: '--owner' }
const optionOf = (field: string): string => OPTION_NAMES[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`

/** `value` when the schema takes it; otherwise a usage error naming the option and the problem. */
export function checked<S extends TSchema> (schema: S, value: Record<string, unknown>): Static<S> {
  const validate = compileStrict(schema)
  const defined = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
  if (validate(defined)) return defined as Static<S>
  const first = validate.errors?.[0]
  const [field = '', ...rest] = (first?.instancePath ?? '').split('/').slice(1)
  const option = field === '' ? 'the command' : `${optionOf(field)}${rest.length > 0 ? ` (item ${rest.join('.')})` : ''}`
  throw new CliError(`${option} ${first?.message ?? 'is invalid'}`, EXIT.usage)
}
