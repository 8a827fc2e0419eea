// `keygate owners revoke`, `keygate signing-keys rotate|list`, `keygate audit`.
import { parseArgs } from 'node:util'
import { appendAudit, listAudit } from '../audit/store.ts'
import { resolveMasterKey } from '../tokens/master-key.ts'
import { CLOCK_TOLERANCE_SECONDS } from '../tokens/own-token-verifier.ts'
import { JWKS_MAX_AGE_SECONDS, listSigningKeys, rotateSigningKey } from '../tokens/signing-keys.ts'
import { parseInteger } from './args.ts'
import { withCliContext } from './context.ts'
import { CliError, EXIT, printJson, printTable } from './output.ts'

export const OWNERS_HELP = `Usage: keygate owners revoke <owner> [--reason <text>] [--json]
  Revokes every key of the owner and every token minted from them.`

export const SIGNING_KEYS_HELP = `Usage: keygate signing-keys <command> [options]

Commands:
  list                                  every signing key with its activation and retirement times
  rotate [--activate-in <seconds>]      publish a new key now, sign with it after --activate-in
                                        (default ${JWKS_MAX_AGE_SECONDS}: the verifiers' JWKS cache time); the current
                                        key leaves the JWKS once the tokens it signed have expired
Options:
  --json   machine-readable output`

export const AUDIT_HELP = `Usage: keygate audit [--actor <id>] [--action <key.revoke>] [--target <keyId>] [--limit <n>] [--json]
  The audit log of admin actions, oldest first.`

async function revokeOwner (args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' }, json: { type: 'boolean', default: false } } })
  const owner = positionals[0]
  if (!owner) throw new CliError('owners revoke needs an owner', EXIT.usage)
  const { revoked } = await withCliContext((ctx) => ctx.keyAdmin.revokeOwner(owner, values.reason, ctx.actor))
  if (values.json) printJson({ owner, revoked })
  else process.stdout.write(`Revoked ${revoked.length} key(s) of ${owner}${revoked.length > 0 ? `: ${revoked.join(' ')}` : ''}.\n`)
}

async function rotateKeys (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'activate-in': { type: 'string' }, json: { type: 'boolean', default: false } } })
  const activateIn = parseInteger(values['activate-in'], '--activate-in', 0, 86400) ?? JWKS_MAX_AGE_SECONDS
  const result = await withCliContext(async (ctx) => {
    const masterKey = await resolveMasterKey(ctx.config, () => {})
    const rotated = await rotateSigningKey(ctx.database.pool, masterKey, {
      activateInSeconds: activateIn,
      tokenLifetimeSeconds: ctx.config.tokenTtlSeconds + CLOCK_TOLERANCE_SECONDS
    })
    await appendAudit(ctx.database.pool, ctx.actor, 'signing-key.rotate', rotated.kid, { details: { activateInSeconds: activateIn, retiring: rotated.retiring } })
    return rotated
  })
  if (values.json) printJson({ kid: result.kid, activatesAt: result.activatesAt.toISOString(), retiring: result.retiring })
  else process.stdout.write(`New signing key ${result.kid}: published now, signing from ${result.activatesAt.toISOString()}.\n`)
}

async function listKeys (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } })
  const keys = await withCliContext((ctx) => listSigningKeys(ctx.database.pool))
  const now = new Date()
  const rows = keys.map((k) => ({
    kid: k.kid,
    alg: k.alg,
    state: k.retiresAt && k.retiresAt <= now ? 'retired' : k.activatesAt > now ? 'pending' : k.retiresAt ? 'retiring' : 'active',
    activatesAt: k.activatesAt.toISOString(),
    retiresAt: k.retiresAt?.toISOString() ?? null
  }))
  if (values.json) printJson(rows)
  else printTable(rows, ['kid', 'alg', 'state', 'activatesAt', 'retiresAt'])
}

async function audit (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { actor: { type: 'string' }, action: { type: 'string' }, target: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean', default: false } } })
  const limit = parseInteger(values.limit, '--limit', 1, 1000) ?? 100
  const { items } = await withCliContext((ctx) => listAudit(ctx.database.pool, { actor: values.actor, action: values.action, target: values.target, limit }))
  const rows = items.map((e) => ({ ...e, at: e.at.toISOString() }))
  if (values.json) printJson(rows)
  else printTable(rows, ['at', 'actor', 'action', 'target', 'reason', 'clientIp'])
}

export const ownersCommands: Record<string, (args: string[]) => Promise<void>> = { revoke: revokeOwner }
export const signingKeysCommands: Record<string, (args: string[]) => Promise<void>> = { rotate: rotateKeys, list: listKeys }
export const auditCommand = audit
