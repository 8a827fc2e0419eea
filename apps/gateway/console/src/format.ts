// How values read on screen: times, lists, propagation and the keyId of a pasted key. Pure, no DOM.
import type { Propagation } from './types.ts'

/** An ISO time as `2026-12-03 10:21:59 UTC`; a dash for none. */
export function formatTime (iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

export function formatList (values: readonly string[]): string {
  return values.length === 0 ? '—' : values.join(', ')
}

/** What a revocation's `propagated` says: `reached 2/2 verifiers in 4 ms`. */
export function formatPropagation (propagated: Propagation | undefined): string {
  if (propagated === undefined) return 'No propagation report: this gateway has no Redis fan-out (its own checks refuse the tokens at once).'
  if (propagated.live === 0) return 'No verifier is listening: the gateway refuses the tokens; verifiers started later load the revocation.'
  const verifiers = propagated.live === 1 ? 'verifier' : 'verifiers'
  const outcome = `reached ${propagated.applied}/${propagated.live} ${verifiers} in ${propagated.ms} ms`
  return propagated.complete ? outcome : `${outcome}: not every verifier confirmed yet`
}

/** The number of keys, in words for a confirmation: `1 key`, `3 keys`. */
export function countKeys (n: number): string {
  return `${n} ${n === 1 ? 'key' : 'keys'}`
}

const KEY_PATTERN = /^[a-z][a-z0-9]{0,15}_[a-z0-9]{1,16}_([0-9A-Za-z]{1,64})_[0-9A-Za-z]{49,}$/
// A bare key ID is taken up to 48 characters: 49 and more may be a key's secret and checksum pasted alone.
const KEY_ID_PATTERN = /^[0-9A-Za-z]{1,48}$/

/**
 * The keyId to look up from what an operator pasted: a keyId, a key's `start` (`kg_live_<keyId>_…7Bb4`) or
 * a whole leaked key, whose secret stays in the page and is never sent.
 */
export function keyIdOf (pasted: string): string | undefined {
  const text = pasted.trim()
  if (KEY_ID_PATTERN.test(text)) return text
  const whole = KEY_PATTERN.exec(text)
  if (whole) return whole[1]
  const start = /^[a-z][a-z0-9]{0,15}_[a-z0-9]{1,16}_([0-9A-Za-z]{1,64})_…[0-9A-Za-z]{0,4}$/.exec(text)
  return start?.[1]
}
