// Alternating rounds: a figure against its baseline on a shared, noisy machine.
import type { LoadResult } from './load.ts'

export interface Round {
  subject: LoadResult
  /** The mean of the baseline rounds just before and just after this one. */
  baseline: number
  ratio: number
}

export const ROUNDS = 5

/** How long each round runs, from the scenario's total budget in seconds. */
export function roundSeconds (seconds: number): number {
  return Math.max(2, seconds / 4)
}

/** The round of median ratio. */
export function medianRound (rounds: Round[]): Round {
  return [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)] as Round
}

/**
 * Baseline and subject alternate in short rounds (b s b s … b), each subject against the mean of the
 * baselines around it, and the median round is the figure: noise from the shared machine lands on both
 * sides of a round instead of on one whole measurement.
 */
export async function alternate (baseline: () => Promise<LoadResult>, subject: () => Promise<LoadResult>, count = ROUNDS): Promise<{ median: Round, rounds: Round[] }> {
  const rounds: Round[] = []
  let before = await baseline()
  for (let i = 0; i < count; i++) {
    const measured = await subject()
    const after = await baseline()
    const mean = (before.rps + after.rps) / 2
    rounds.push({ subject: measured, baseline: mean, ratio: measured.rps / mean })
    before = after
  }
  return { median: medianRound(rounds), rounds }
}

/** What the JSON keeps of the rounds. */
export function summary (rounds: Round[]): Array<{ rps: number, baselineRps: number, ratio: number, statusCodes: Record<string, number> }> {
  return rounds.map((r) => ({ rps: r.subject.rps, baselineRps: r.baseline, ratio: r.ratio, statusCodes: r.subject.statusCodes }))
}
