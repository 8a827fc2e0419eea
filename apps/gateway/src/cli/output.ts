// CLI output: JSON for scripts, aligned text for people; exit codes in one place.
import type { ApiKeyRecord } from '../keys/store.ts'

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 4 } as const

export class CliError extends Error {
  constructor (message: string, readonly exitCode: number) {
    super(message)
  }
}

export function printJson (value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** What a person sees of a key: never the secret, never the hash. */
export function keyView (record: ApiKeyRecord): Record<string, unknown> {
  return {
    keyId: record.keyId,
    name: record.name,
    owner: record.owner,
    environment: record.environment,
    start: `${record.prefix}_${record.keyId}_…${record.last4}`,
    scopes: record.scopes,
    audiences: record.audiences,
    state: record.revokedAt ? 'revoked' : record.disabledAt ? 'disabled' : record.expiresAt && record.expiresAt <= new Date() ? 'expired' : 'active',
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null
  }
}

export function printTable (rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cell = (v: unknown): string => Array.isArray(v) ? v.join(' ') : v === null || v === undefined ? '-' : String(v)
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  process.stdout.write(`${line(columns)}\n`)
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => cell(r[c])))}\n`)
}
