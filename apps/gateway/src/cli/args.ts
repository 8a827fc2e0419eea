// Argument helpers shared by the CLI commands: lists, dates, required values.
import { CliError, EXIT } from './output.ts'

export function splitList (value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(/[\s,]+/).filter((s) => s.length > 0)
}

export function required (value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new CliError(`${what} is required`, EXIT.usage)
  return value
}

/** An ISO 8601 date; `never` clears it. */
export function parseDate (value: string | undefined, option: string): Date | null | undefined {
  if (value === undefined) return undefined
  if (value === 'never') return null
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw new CliError(`${option} must be an ISO 8601 date or "never"`, EXIT.usage)
  return date
}

export function parseInteger (value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${option} must be an integer from ${min} to ${max}`, EXIT.usage)
  return n
}
