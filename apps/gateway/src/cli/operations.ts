// `keygate owners revoke`, `keygate signing-keys rotate|list|revoke`, `keygate audit`.
import { parseArgs } from 'node:util'
import { JWKS_MAX_AGE_SECONDS, SIGNING_ALGORITHMS, isSigningAlgorithm } from '@keygate/protocol'
import { listAudit } from '../audit/store.ts'
import { parseInteger } from './args.ts'
import { withCliContext } from './context.ts'
import { CliOwner, CliReason, checked } from './input.ts'
import { CliError, EXIT, printJson, printTable } from './output.ts'

export const OWNERS_HELP = `Usage: keygate owners revoke <owner> [--reason <text>] [--json]
  Revokes every key of the owner and every token minted from them.`

export const SIGNING_KEYS_HELP = `Usage: keygate signing-keys <command> [options]

Commands:
  list                                  every signing key with its state, activation and retirement times
  rotate [--activate-in <seconds>] [--alg EdDSA|ES256|RS256]
                                        publish a new key now, sign with it after --activate-in
                                        (default ${JWKS_MAX_AGE_SECONDS}: the verifiers' JWKS cache time); the current
                                        key leaves the JWKS once the tokens it signed have expired.
                                        --alg changes the algorithm (default KEYGATE_SIGNING_ALG)
  revoke <kid>                          a leaked key: out of the JWKS at once, a fresh key signs at once, and
                                        every gateway and verifier refuses its tokens (through the revocation stream)
Options:
  --json   machine-readable output`

export const AUDIT_HELP = `Usage: keygate audit [--actor <id>] [--action <key.revoke>] [--target <keyId>] [--limit <n>] [--json]
  The audit log of admin actions, oldest first.`

async function revokeOwner (args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' }, json: { type: 'boolean', default: false } } })
  const owner = positionals[0]
  if (!owner) throw new CliError('owners revoke needs an owner', EXIT.usage)
  checked(CliOwner, { owner })
  checked(CliReason, { reason: values.reason })
  const { revoked } = await withCliContext((ctx) => ctx.keyAdmin.revokeOwner(owner, values.reason, ctx.actor))
  if (values.json) printJson({ owner, revoked })
  else process.stdout.write(`Revoked ${revoked.length} key(s) of ${owner}${revoked.length > 0 ? `: ${revoked.join(' ')}` : ''}.\n`)
}

async function rotateKeys (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'activate-in': { type: 'string' }, alg: { type: 'string' }, json: { type: 'boolean', default: false } } })
  const activateIn = parseInteger(values['activate-in'], '--activate-in', 0, 86400) ?? JWKS_MAX_AGE_SECONDS
  const alg = values.alg
  if (alg !== undefined && !isSigningAlgorithm(alg)) throw new CliError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`, EXIT.usage)
  const result = await withCliContext(async (ctx) => (await ctx.signingKeys()).rotate(activateIn, ctx.actor, alg))
  if (values.json) printJson({ kid: result.kid, alg: result.alg, activatesAt: result.activatesAt.toISOString(), retiring: result.retiring })
  else process.stdout.write(`New ${result.alg} signing key ${result.kid}: published now, signing from ${result.activatesAt.toISOString()}.\n`)
}

async function revokeKey (args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } })
  const kid = positionals[0]
  if (!kid) throw new CliError('signing-keys revoke needs a kid', EXIT.usage)
  const { outboxSeq: _, ...result } = await withCliContext(async (ctx) => (await ctx.signingKeys()).revoke(kid, ctx.actor))
  if (values.json) printJson(result)
  else if (!result.revoked) process.stdout.write(`Signing key ${kid} was revoked already.\n`)
  else process.stdout.write(`Revoked signing key ${kid}; ${result.replacement ?? 'a new key'} signs from now. Running gateways and verifiers refuse its tokens as the revocation reaches them.\n`)
}

async function listKeys (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } })
  const rows = await withCliContext(async (ctx) => (await ctx.signingKeys()).list())
  if (values.json) printJson(rows)
  else printTable(rows, ['kid', 'alg', 'state', 'activatesAt', 'retiresAt', 'revokedAt'])
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
export const signingKeysCommands: Record<string, (args: string[]) => Promise<void>> = { rotate: rotateKeys, list: listKeys, revoke: revokeKey }
export const auditCommand = audit
