// Starts the example service: config, build, listen, graceful close.
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config.ts'
import { buildExampleService } from './app.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`example-service: invalid configuration: ${err.message}\n`)
  process.exit(1)
}
const app = await buildExampleService(config)
closeWithGrace({ delay: 10_000 }, async () => { await app.close() })
await app.listen({ host: config.host, port: config.port })
