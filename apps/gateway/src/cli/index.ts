// `keygate`: the operator's CLI. Dispatches to a command; every failure ends with a clear line and an exit code.
import { ConfigError } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { withCliContext } from './context.ts'
import { KEYS_HELP, keysCommands } from './keys.ts'
import { CliError, EXIT } from './output.ts'

const HELP = `Usage: keygate <command> [options]

Commands:
  keys create|list|show   manage API keys (keygate keys --help)
  migrate                 apply pending database migrations

Configuration comes from the environment (DATABASE_URL, DATA_DIR, KEYGATE_KEY_PREFIX, ...):
with no DATABASE_URL the CLI uses the embedded database under DATA_DIR.`

async function runMigrate (): Promise<void> {
  const applied = await withCliContext((ctx) => migrate(ctx.database.pool), { migrate: false })
  process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied ${applied.join(', ')}.\n`)
}

async function runKeys (args: string[]): Promise<void> {
  const [command, ...rest] = args
  if (command === undefined || command === '--help' || command === 'help' || rest.includes('--help')) {
    process.stdout.write(`${KEYS_HELP}\n`)
    if (command === undefined) throw new CliError('keys needs a command', EXIT.usage)
    return
  }
  const handler = keysCommands[command]
  if (!handler) throw new CliError(`unknown command: keys ${command}`, EXIT.usage)
  await handler(rest)
}

export async function runCli (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === undefined || command === '--help' || command === 'help') {
      process.stdout.write(`${HELP}\n`)
      return command === undefined ? EXIT.usage : EXIT.ok
    }
    if (command === 'migrate') await runMigrate()
    else if (command === 'keys') await runKeys(rest)
    else throw new CliError(`unknown command: ${command}`, EXIT.usage)
    return EXIT.ok
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`keygate: ${err.message}\n`)
      return err.exitCode
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`keygate: invalid configuration: ${err.message}\n`)
      return EXIT.usage
    }
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`keygate: ${err.message}\n`)
      return EXIT.usage
    }
    process.stderr.write(`keygate: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT.failure
  }
}

process.exitCode = await runCli(process.argv.slice(2))
