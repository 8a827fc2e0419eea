// Results: one row per target, ratio against a baseline measured in the same run; JSON and a table.
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'

export interface Row {
  scenario: string
  metric: string
  value: number
  baseline: number | null
  /** value ÷ baseline (or the figure itself when there is no baseline) */
  ratio: number
  target: string
  /** Always true for a reference row, which has no target of its own. */
  pass: boolean
  raw: Record<string, unknown>
  /** The machine's 1-minute load average when the figure was taken: a loaded machine reads slower. */
  load: number
}

export function row (scenario: string, metric: string, value: number, baseline: number | null, target: { op: '>=' | '<=', bound: number, of: 'ratio' | 'value' }, raw: Record<string, unknown> = {}): Row {
  const ratio = baseline === null ? value : value / baseline
  const subject = target.of === 'ratio' ? ratio : value
  const pass = target.op === '>=' ? subject >= target.bound : subject <= target.bound
  return { scenario, metric, value, baseline, ratio, target: `${target.of} ${target.op} ${target.bound}`, pass, raw, load: loadavg()[0] ?? 0 }
}

/** A figure shown beside the targets to read them by (a floor, a ceiling), with no target of its own. */
export function reference (scenario: string, metric: string, value: number, baseline: number, raw: Record<string, unknown> = {}): Row {
  return { scenario, metric, value, baseline, ratio: value / baseline, target: 'reference', pass: true, raw, load: loadavg()[0] ?? 0 }
}

const fmt = (n: number | null): string => n === null ? '-' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)

export async function report (rows: Row[], meta: Record<string, unknown>): Promise<void> {
  const file = fileURLToPath(new URL('../results/latest.json', import.meta.url))
  await mkdir(new URL('../results/', import.meta.url), { recursive: true })
  await writeFile(file, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`)
  const header = ['scenario', 'metric', 'value', 'baseline', 'ratio', 'target', 'ok', 'load']
  const lines = rows.map((r) => [r.scenario, r.metric, fmt(r.value), fmt(r.baseline), fmt(r.ratio), r.target, r.target === 'reference' ? '-' : r.pass ? 'yes' : 'NO', r.load.toFixed(2)])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const print = (cells: string[]): void => { process.stdout.write(`${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`) }
  print(header)
  for (const l of lines) print(l)
  process.stdout.write(`\nwritten to ${file}\n`)
}
