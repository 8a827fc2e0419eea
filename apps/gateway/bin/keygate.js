#!/usr/bin/env node
// The `keygate` command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/index.ts')
