// @keygate/example-service: the builder, for tests and for reading.
export { buildExampleService } from './app.ts'
export { loadConfig, type ExampleServiceConfig } from './config.ts'
