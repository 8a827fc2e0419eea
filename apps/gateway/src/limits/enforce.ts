import { errors } from '../errors.ts'
import type { Verdict } from './counter.ts'

/** Throws KG_ERR_RATE_LIMITED, with its Retry-After, when the verdict is over the limit. */
export function enforce (verdict: Verdict): void {
  if (!verdict.allowed) throw Object.assign(new errors.KG_ERR_RATE_LIMITED(), { retryAfter: verdict.retryAfter })
}
