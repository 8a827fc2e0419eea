// `keygate verifiers`: the verifiers listening for revocations, read from Redis as GET /admin/verifiers does.
import { parseArgs } from 'node:util'
import { revocationKeys } from '@keygate/protocol'
import { createRedisClient } from '@keygate/verifier'
import { loadConfig } from '../config.ts'
import { NO_FANOUT, listLiveVerifiers } from '../revocation/verifiers.ts'
import { CliError, EXIT, printJson, printTable } from './output.ts'

export const VERIFIERS_HELP = `Usage: keygate verifiers [--json]
  The verifiers whose heartbeat is under 10 s old, the last revocation each applied and whether it is
  current. Reads Redis (REDIS_URL, or the Sentinel / Cluster variables); nothing without Redis.`

export async function verifiersCommand (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } })
  const config = loadConfig()
  if (config.redis === undefined) {
    if (values.json) printJson(NO_FANOUT)
    else process.stdout.write('No Redis configured: revocations do not leave the gateway, and no verifier reports.\n')
    return
  }
  const redis = createRedisClient(config.redis, { commandTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2_000, retryStrategy: () => 200 })
  redis.on('error', () => {})
  try {
    const fleet = await listLiveVerifiers(redis, revocationKeys(config.redisPrefix)).catch((err: unknown) => {
      throw new CliError(`Redis cannot be read: ${err instanceof Error ? err.message : String(err)}`, EXIT.failure)
    })
    if (values.json) printJson({ fanout: true, ...fleet })
    else {
      process.stdout.write(`Last revocation published: ${fleet.publishedSeq}; ${fleet.items.length} live verifier(s).\n`)
      printTable(fleet.items, ['id', 'heartbeatAt', 'appliedSeq', 'current'])
    }
  } finally {
    redis.disconnect()
  }
}
