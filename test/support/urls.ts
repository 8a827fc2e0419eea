// Connection URL helpers shared by the global setup and the per-file helpers.

/** `base` with its database replaced by `database`. */
export function databaseUrl (base: string, database: string): string {
  const url = new URL(base)
  url.pathname = `/${database}`
  return url.toString()
}
