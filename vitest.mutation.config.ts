// The tests `pnpm test:mutation` runs against each mutant: the unit tests of the mutated modules and the
// integration tests that drive the revocation mirror and the verifier against real Redis.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['keygate-source', 'module', 'node', 'development|production'] },
  ssr: { resolve: { conditions: ['keygate-source', 'module', 'node', 'development|production'] } },
  test: {
    include: [
      'apps/gateway/src/keys/format.test.ts',
      'packages/protocol/src/*.test.ts',
      'packages/verifier/src/*.test.ts',
      'test/verifier/*.test.ts'
    ],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
