// @keygate/gateway: the factory and what tests and tools need beside it.
export { buildGateway, type GatewayDeps } from './app.ts'
export { ConfigError, loadConfig, type GatewayConfig } from './config.ts'
export { migrate } from './db/migrate.ts'
export { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded.ts'
export { createArgon2Hasher, OWASP_ARGON2_PARAMS, type SecretHasher } from './keys/hashing.ts'
export { formatApiKey, generateApiKey, parseApiKey } from './keys/format.ts'
export type { CreatedKey, CreateKeyInput } from './keys/service.ts'
