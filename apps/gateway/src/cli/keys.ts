// `keygate keys ...`: key management straight against the database, audited as `cli:<login>`.
import { parseArgs } from 'node:util'
import { readFile } from 'node:fs/promises'
import { isValidCidr } from '../keys/ip-allowlist.ts'
import { CLIENT_KEY_ALGORITHMS, type ClientKeyAlgorithm, type ClientPublicKey, type GeneratedKeyPair, generateClientKeyPair, parsePublicKey } from '../keys/public-keys.ts'
import { findKey, listKeys } from '../keys/store.ts'
import { viewKey } from '../keys/view.ts'
import { parseDate, parseInteger, required, splitList } from './args.ts'
import { withCliContext } from './context.ts'
import { CliCreateKey, CliKeyId, CliReason, CliRotate, CliUpdateKey, checked } from './input.ts'
import { CliError, EXIT, printJson, printTable } from './output.ts'

export const KEYS_HELP = `Usage: keygate keys <command> [options]

Commands:
  create   --owner <owner> --scopes <a,b> [--name <name>] [--audiences <a,b>] [--ip-allowlist <cidr,..>]
           [--expires-at <ISO date>] [--prefix <kg_test>]      creates a key and prints it once
           [--public-key <file.pem|file.jwk>]                  a keypair key: the gateway keeps this public key only
           [--keypair EdDSA|ES256]                             a keypair key whose pair is generated: the private
                                                               key is printed once (PKCS#8 PEM), kept nowhere
  list     [--owner <owner>] [--limit <n>]
  show     <keyId>
  update   <keyId> [--name ..] [--scopes ..] [--audiences ..] [--ip-allowlist ..] [--expires-at <date|never>]
  disable  <keyId>                                             refused until enabled; its tokens are revoked
  enable   <keyId>
  revoke   <keyId> [--reason <text>]                           final
  rotate   <keyId> [--grace-period <seconds>]                  prints the new key once
           [--public-key <file>]                               a keypair key: the next public key (else generated)

Options:
  --json   machine-readable output
  --help   this text`

const KEY_OPTIONS = {
  owner: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  audiences: { type: 'string' },
  'ip-allowlist': { type: 'string' },
  'expires-at': { type: 'string' },
  prefix: { type: 'string' },
  reason: { type: 'string' },
  'grace-period': { type: 'string' },
  'public-key': { type: 'string' },
  keypair: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean', default: false }
} as const

function parse (args: string[]) {
  return parseArgs({ args, options: KEY_OPTIONS, allowPositionals: true, strict: true })
}

function checkedAllowlist (value: string | undefined): string[] | undefined {
  const list = splitList(value)
  const bad = list?.find((e) => !isValidCidr(e))
  if (bad !== undefined) throw new CliError(`--ip-allowlist holds an invalid range: ${bad}`, EXIT.usage)
  return list
}

/** The keypair credential the options ask for: a public key read from a file, or a generated pair. */
async function keypairOf (values: { 'public-key'?: string | undefined, keypair?: string | undefined }, generate?: ClientKeyAlgorithm): Promise<{ publicKey: ClientPublicKey, privateKey?: GeneratedKeyPair['privateKey'] } | undefined> {
  if (values['public-key'] !== undefined && values.keypair !== undefined) throw new CliError('--public-key and --keypair: give one', EXIT.usage)
  if (values['public-key'] !== undefined) {
    const text = await readFile(values['public-key'], 'utf8').catch(() => { throw new CliError(`--public-key: cannot read ${values['public-key']}`, EXIT.usage) })
    const input: unknown = text.trimStart().startsWith('{') ? JSON.parse(text) : text
    try {
      return { publicKey: parsePublicKey(input) }
    } catch (err) {
      throw new CliError(`--public-key ${(err as Error).message.replace(/^body\.publicKey /, '')}`, EXIT.usage)
    }
  }
  const alg = values.keypair ?? generate
  if (alg === undefined) return undefined
  if (!(CLIENT_KEY_ALGORITHMS as readonly string[]).includes(alg)) throw new CliError(`--keypair must be one of ${CLIENT_KEY_ALGORITHMS.join(', ')}`, EXIT.usage)
  return generateClientKeyPair(alg as ClientKeyAlgorithm)
}

function printKey (json: boolean, view: ReturnType<typeof viewKey>, key?: string, privateKey?: GeneratedKeyPair['privateKey']): void {
  if (json) {
    printJson({ ...(key ? { key } : {}), ...(privateKey ? { privateKey } : {}), ...view })
    return
  }
  if (key) process.stdout.write(`Key ${view.keyId} for ${view.owner}. It is shown this once:\n\n  ${key}\n\n`)
  else if (privateKey) process.stdout.write(`Keypair key ${view.keyId} for ${view.owner}. Its private key is shown this once; keygate keeps only the public key:\n\n${privateKey.pem}\n`)
  else if (view.credential === 'keypair') process.stdout.write(`Keypair key ${view.keyId} for ${view.owner}, public key ${view.publicKeys.at(-1)?.thumbprint ?? ''}.\n`)
  else for (const [k, v] of Object.entries(view)) process.stdout.write(`${k.padEnd(13)} ${Array.isArray(v) ? v.join(' ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '-')}\n`)
}

async function create (args: string[]): Promise<void> {
  const { values } = parse(args)
  const owner = required(values.owner, '--owner')
  const expiresAt = parseDate(values['expires-at'], '--expires-at')
  const input = checked(CliCreateKey, {
    owner,
    name: values.name ?? `${owner} key`.slice(0, 128),
    scopes: splitList(values.scopes) ?? [],
    audiences: splitList(values.audiences),
    ipAllowlist: checkedAllowlist(values['ip-allowlist']),
    expiresAt: expiresAt?.toISOString(),
    prefix: values.prefix
  })
  const credential = await keypairOf(values)
  const created = await withCliContext((ctx) => ctx.keyAdmin.create({ ...input, expiresAt: expiresAt ?? null, ...(credential ? { publicKey: credential.publicKey } : {}) }, ctx.actor))
  printKey(values.json, viewKey(created.record), created.key, credential?.privateKey)
}

async function list (args: string[]): Promise<void> {
  const { values } = parse(args)
  const limit = parseInteger(values.limit, '--limit', 1, 1000) ?? 100
  const { items } = await withCliContext((ctx) => listKeys(ctx.database.pool, { owner: values.owner, limit }))
  const rows = items.map(viewKey)
  if (values.json) printJson(rows)
  else printTable(rows, ['keyId', 'owner', 'name', 'state', 'scopes', 'start'])
}

function keyIdOf (positionals: string[], command: string): string {
  const keyId = positionals[0]
  if (!keyId) throw new CliError(`keys ${command} needs a keyId`, EXIT.usage)
  checked(CliKeyId, { keyId })
  return keyId
}

async function show (args: string[]): Promise<void> {
  const { values, positionals } = parse(args)
  const keyId = keyIdOf(positionals, 'show')
  const record = await withCliContext((ctx) => findKey(ctx.database.pool, keyId))
  if (!record) throw new CliError(`key ${keyId} not found`, EXIT.notFound)
  printKey(values.json, viewKey(record))
}

async function update (args: string[]): Promise<void> {
  const { values, positionals } = parse(args)
  const keyId = keyIdOf(positionals, 'update')
  const expiresAt = parseDate(values['expires-at'], '--expires-at')
  const patch = {
    name: values.name,
    scopes: splitList(values.scopes),
    audiences: splitList(values.audiences),
    ipAllowlist: checkedAllowlist(values['ip-allowlist']),
    expiresAt: expiresAt === null ? null : expiresAt?.toISOString()
  }
  if (Object.values(patch).every((v) => v === undefined)) throw new CliError('keys update needs at least one field to change', EXIT.usage)
  checked(CliUpdateKey, patch)
  const { record } = await withCliContext((ctx) => ctx.keyAdmin.update(keyId, { ...patch, expiresAt }, ctx.actor))
  printKey(values.json, viewKey(record))
}

function stateChange (action: 'disable' | 'enable' | 'revoke') {
  return async (args: string[]): Promise<void> => {
    const { values, positionals } = parse(args)
    const keyId = keyIdOf(positionals, action)
    checked(CliReason, { reason: values.reason })
    const { record } = await withCliContext((ctx) => action === 'revoke'
      ? ctx.keyAdmin.revoke(keyId, values.reason, ctx.actor)
      : ctx.keyAdmin[action](keyId, ctx.actor))
    printKey(values.json, viewKey(record))
  }
}

async function rotate (args: string[]): Promise<void> {
  const { values, positionals } = parse(args)
  const keyId = keyIdOf(positionals, 'rotate')
  const grace = checked(CliRotate, { gracePeriodSeconds: parseInteger(values['grace-period'], '--grace-period', 0, Number.MAX_SAFE_INTEGER) }).gracePeriodSeconds ?? 0
  const created = await withCliContext(async (ctx) => {
    const current = await findKey(ctx.database.pool, keyId)
    const next = current?.credential === 'keypair' ? await keypairOf(values, current.publicKeys.at(-1)?.alg ?? 'EdDSA') : await keypairOf(values)
    const rotated = await ctx.keyAdmin.rotate(keyId, grace, ctx.actor, next?.publicKey)
    return { ...rotated, privateKey: next?.privateKey }
  })
  printKey(values.json, viewKey(created.record), created.key, created.privateKey)
}

export const keysCommands: Record<string, (args: string[]) => Promise<void>> = {
  create, list, show, update, disable: stateChange('disable'), enable: stateChange('enable'), revoke: stateChange('revoke'), rotate
}
