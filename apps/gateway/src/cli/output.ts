// CLI output: JSON for scripts, aligned text for people; exit codes in one place.
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 4 } as const

export class CliError extends Error {
  constructor (message: string, readonly exitCode: number) {
    super(message)
  }
}

export function printJson (value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function printTable (rows: readonly object[], columns: string[]): void {
  const cell = (v: unknown): string => Array.isArray(v) ? v.join(' ') : v === null || v === undefined ? '-' : String(v)
  const at = (row: object, column: string): unknown => (row as Record<string, unknown>)[column]
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(at(r, c)).length)))
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  process.stdout.write(`${line(columns)}\n`)
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => cell(at(r, c))))}\n`)
}
