// The only file that listens: load config, build, listen, bootstrap, close gracefully on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config.ts'
import { buildGateway } from './app.ts'
import { createBootstrapAdminKey, describeBootstrapKey, writeBootstrapKey } from './keys/bootstrap.ts'

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`keygate: invalid configuration: ${err.message}\n`)
    process.exit(1)
  }

  const app = await buildGateway(config)
  closeWithGrace({ delay: 10_000, logger: app.log }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ host: config.host, port: config.port })
  if (config.bootstrapAdmin) {
    const created = await createBootstrapAdminKey(app.db, app.keyAdmin, config.adminAudience)
    if (created) {
      const path = await writeBootstrapKey(config.dataDir, created.key)
      process.stdout.write(`${describeBootstrapKey(created, config.issuer, { path, showKey: process.stdout.isTTY === true })}\n`)
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`keygate: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
