#!/usr/bin/env node
// The `keygate` command: the CLI as built by `pnpm build` (apps/gateway/dist).
await import('../dist/cli/index.js')
