// `keygate keys create|list|show`: key management straight against the database.
import { parseArgs } from 'node:util'
import { isValidScopeList } from '@keygate/protocol'
import { findKey, listKeys } from '../keys/store.ts'
import { withCliContext } from './context.ts'
import { viewKey } from '../keys/view.ts'
import { CliError, EXIT, printJson, printTable } from './output.ts'

export const KEYS_HELP = `Usage: keygate keys <command> [options]

Commands:
  create   --owner <owner> --scopes <a,b> [--name <name>] [--audiences <a,b>] [--expires-at <ISO date>] [--prefix <kg_test>]
           Creates a key and prints it once.
  list     [--owner <owner>] [--limit <n>]
  show     <keyId>

Options:
  --json   machine-readable output
  --help   this text`

function splitList (value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/[\s,]+/).filter((s) => s.length > 0)
}

async function create (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      owner: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      audiences: { type: 'string' },
      'expires-at': { type: 'string' },
      prefix: { type: 'string' },
      json: { type: 'boolean', default: false }
    }
  })
  const owner = values.owner
  if (!owner) throw new CliError('--owner is required', EXIT.usage)
  const scopes = splitList(values.scopes)
  if (!isValidScopeList(scopes)) throw new CliError('--scopes holds an invalid scope', EXIT.usage)
  let expiresAt: Date | null = null
  if (values['expires-at'] !== undefined) {
    expiresAt = new Date(values['expires-at'])
    if (Number.isNaN(expiresAt.getTime())) throw new CliError('--expires-at must be an ISO 8601 date', EXIT.usage)
  }
  const created = await withCliContext((ctx) => ctx.keys.createKey({
    owner,
    name: values.name ?? `${owner} key`,
    scopes,
    audiences: splitList(values.audiences),
    expiresAt,
    ...(values.prefix ? { prefix: values.prefix } : {})
  }))
  if (values.json) {
    printJson({ key: created.key, ...viewKey(created.record) })
    return
  }
  process.stdout.write(`Created key ${created.record.keyId} for ${created.record.owner}. It is shown this once:\n\n  ${created.key}\n\n`)
}

async function list (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { owner: { type: 'string' }, limit: { type: 'string', default: '100' }, json: { type: 'boolean', default: false } } })
  const limit = Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be between 1 and 1000', EXIT.usage)
  const { items } = await withCliContext((ctx) => listKeys(ctx.database.pool, { owner: values.owner, limit }))
  const rows = items.map(viewKey)
  if (values.json) printJson(rows)
  else printTable(rows, ['keyId', 'owner', 'name', 'state', 'scopes', 'start'])
}

async function show (args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } })
  const keyId = positionals[0]
  if (!keyId) throw new CliError('keys show needs a keyId', EXIT.usage)
  const record = await withCliContext((ctx) => findKey(ctx.database.pool, keyId))
  if (!record) throw new CliError(`key ${keyId} not found`, EXIT.notFound)
  if (values.json) printJson(viewKey(record))
  else for (const [k, v] of Object.entries(viewKey(record))) process.stdout.write(`${k.padEnd(11)} ${Array.isArray(v) ? v.join(' ') : String(v ?? '-')}\n`)
}

export const keysCommands: Record<string, (args: string[]) => Promise<void>> = { create, list, show }
