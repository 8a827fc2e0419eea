// Live verifiers, from their heartbeats: who is listening and whether each has applied every revocation.
import type { Screen } from '../context.ts'
import { h, table } from '../dom.ts'
import { formatTime } from '../format.ts'
import type { VerifierFleet } from '../types.ts'

export const verifiersScreen: Screen = async (context) => {
  const fleet = await context.api.get<VerifierFleet>('/admin/verifiers')
  const refresh = h('button', { type: 'button', onclick: () => context.run(() => context.refresh()) }, 'Refresh')
  if (!fleet.fanout) {
    return h('div', {}, h('h1', { tabindex: '-1' }, 'Verifiers'),
      h('p', {}, 'This gateway runs without Redis: revocations do not leave it, and no verifier reports here. Set REDIS_URL to fan revocations out.'))
  }
  const published = fleet.publishedSeq ?? 0
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Verifiers'),
    h('p', {}, `Last revocation published: #${published}. A verifier is listed while its heartbeat is under 10 s old.`),
    fleet.items.length === 0
      ? h('p', {}, 'No verifier is listening now.')
      : table(`${fleet.items.length} live verifiers`, ['Instance', 'Last heartbeat', 'Last revocation applied', 'Status'], fleet.items.map((v) => [
        h('code', {}, v.id),
        formatTime(v.heartbeatAt),
        v.appliedSeq === null ? 'another epoch' : `#${v.appliedSeq}`,
        v.current ? 'up to date' : v.appliedSeq === null ? 'reloading' : `behind by ${published - v.appliedSeq}`
      ])),
    h('p', {}, refresh))
}
