import { configDefaults, defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources (the `keygate-source` export condition), never to
// a build that may be stale; processes the tests start run the build (`pnpm test` builds first).
const conditions = ['keygate-source', 'module', 'node', 'development|production']
const fromSources = { resolve: { conditions }, ssr: { resolve: { conditions } } }

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    projects: [
      {
        ...fromSources,
        test: {
          name: 'unit',
          include: ['apps/*/src/**/*.test.ts', 'apps/gateway/console/src/**/*.test.ts', 'packages/*/src/**/*.test.ts']
        }
      },
      {
        ...fromSources,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/soak/**'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000
        }
      },
      {
        // Minutes of traffic: `pnpm test:soak`, not part of `pnpm test`.
        ...fromSources,
        test: {
          name: 'soak',
          include: ['test/soak/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
})
