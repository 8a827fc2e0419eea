// `keygate`: the operator's CLI. Dispatches to a command; every failure ends with one clear line and an exit code.
import { ConfigError } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { isKeygateError } from '../errors.ts'
import { withCliContext } from './context.ts'
import { KEYS_HELP, keysCommands } from './keys.ts'
import { AUDIT_HELP, OWNERS_HELP, SIGNING_KEYS_HELP, auditCommand, ownersCommands, signingKeysCommands } from './operations.ts'
import { CliError, EXIT } from './output.ts'
import { VERIFIERS_HELP, verifiersCommand } from './verifiers.ts'

const HELP = `Usage: keygate <command> [options]

Commands:
  keys create|list|show|update|disable|enable|revoke|rotate   manage API keys (keygate keys --help)
  owners revoke <owner>                                       revoke every key of an owner
  signing-keys rotate|list|revoke                             manage token signing keys
  audit                                                       read the audit log
  verifiers                                                   the verifiers listening for revocations (Redis)
  migrate                                                     apply pending database migrations

Every command takes --help; --json gives machine-readable output.
Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 4 not found.

Configuration comes from the environment (DATABASE_URL, DATA_DIR, KEYGATE_KEY_PREFIX, ...):
with no DATABASE_URL the CLI uses the embedded database under DATA_DIR.`

type Handler = (args: string[]) => Promise<void>

const groups: Record<string, { help: string, commands: Record<string, Handler> }> = {
  keys: { help: KEYS_HELP, commands: keysCommands },
  owners: { help: OWNERS_HELP, commands: ownersCommands },
  'signing-keys': { help: SIGNING_KEYS_HELP, commands: signingKeysCommands }
}

const MIGRATE_HELP = 'Usage: keygate migrate\n  Applies pending database migrations (the gateway also does at start).'

async function runMigrate (): Promise<void> {
  const applied = await withCliContext((ctx) => migrate(ctx.database.pool), { migrate: false })
  process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied ${applied.join(', ')}.\n`)
}

// Commands without subcommands.
const SINGLE: Record<string, { help: string, run: Handler }> = {
  migrate: { help: MIGRATE_HELP, run: runMigrate },
  audit: { help: AUDIT_HELP, run: auditCommand },
  verifiers: { help: VERIFIERS_HELP, run: verifiersCommand }
}

function wantsHelp (args: string[]): boolean {
  return args.includes('--help') || args.includes('-h') || args[0] === 'help'
}

async function dispatch (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  const single = command === undefined ? undefined : SINGLE[command]
  if (single) {
    if (wantsHelp(rest)) {
      process.stdout.write(`${single.help}\n`)
      return
    }
    await single.run(rest)
    return
  }
  const group = command === undefined ? undefined : groups[command]
  if (!group) throw new CliError(`unknown command: ${command}`, EXIT.usage)
  const [sub, ...args] = rest
  if (sub === undefined || wantsHelp(rest)) {
    process.stdout.write(`${group.help}\n`)
    if (sub === undefined) throw new CliError(`${command} needs a command`, EXIT.usage)
    return
  }
  const handler = group.commands[sub]
  if (!handler) throw new CliError(`unknown command: ${command} ${sub}`, EXIT.usage)
  await handler(args)
}

function exitCodeOf (err: unknown): { code: number, message: string } {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message }
  if (err instanceof ConfigError) return { code: EXIT.usage, message: `invalid configuration: ${err.message}` }
  if (isKeygateError(err)) return { code: err.code === 'KG_ERR_NOT_FOUND' ? EXIT.notFound : err.statusCode < 500 ? EXIT.usage : EXIT.failure, message: err.message }
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return { code: EXIT.usage, message: (err as Error).message }
  return { code: EXIT.failure, message: err instanceof Error ? err.message : String(err) }
}

export async function runCli (argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${HELP}\n`)
    return argv.length === 0 ? EXIT.usage : EXIT.ok
  }
  try {
    await dispatch(argv)
    return EXIT.ok
  } catch (err) {
    const { code, message } = exitCodeOf(err)
    process.stderr.write(`keygate: ${message.replace(/\s*\n\s*/g, ' ')}\n`)
    return code
  }
}

process.exitCode = await runCli(process.argv.slice(2))
