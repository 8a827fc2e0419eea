// The audit log: every admin action and refusal, filtered by actor, action and target, paged.
import type { Screen } from '../context.ts'
import { field, h, table } from '../dom.ts'
import { formatTime } from '../format.ts'
import { keyHash } from '../router.ts'
import type { AuditEntry, Page } from '../types.ts'
import { filterForm, listingOf, pager } from './paged-list.ts'

const PAGE_SIZE = 50
const FILTERS = ['actor', 'action', 'target'] as const

export function auditTable (caption: string, entries: AuditEntry[]): HTMLElement {
  if (entries.length === 0) return h('p', {}, 'No audit entry.')
  return table(caption, ['Time', 'Actor', 'Action', 'Target', 'Reason', 'Details'], entries.map((entry) => [
    formatTime(entry.at),
    h('code', {}, entry.actor),
    entry.action,
    entry.target === null ? '—' : entry.action.startsWith('key.') ? h('a', { href: keyHash(entry.target) }, entry.target) : entry.target,
    entry.reason ?? '—',
    Object.keys(entry.details).length === 0 ? '—' : h('code', {}, JSON.stringify(entry.details))
  ]))
}

export const auditScreen: Screen = async (context) => {
  const listing = listingOf(context.route.query, FILTERS)
  const { filters, cursor } = listing
  const page = await context.api.get<Page<AuditEntry>>('/admin/audit', { ...filters, cursor, limit: String(PAGE_SIZE) })
  const form = filterForm(context, 'audit', FILTERS,
    field('Actor (key ID)', h('input', { name: 'actor', value: filters.actor, maxlength: '128' })),
    field('Action', h('input', { name: 'action', value: filters.action, maxlength: '64' }), 'key.revoke, key.rotate, owner.revoke, admin.refused…'),
    field('Target', h('input', { name: 'target', value: filters.target, maxlength: '128' })))
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Audit log'),
    form,
    auditTable(`${page.items.length} entries, oldest first`, page.items),
    pager('Pages of the audit log', 'audit', listing, page.nextCursor))
}
