// The audit log: every admin action and refusal, filtered by actor, action and target, paged.
import type { Screen } from '../context.ts'
import { actionForm, field, fieldOf, h, table } from '../dom.ts'
import { formatTime } from '../format.ts'
import { hashOf, keyHash } from '../router.ts'
import type { AuditEntry, Page } from '../types.ts'

const PAGE_SIZE = 50

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
  const query = context.route.query
  const filters = { actor: query.get('actor') ?? '', action: query.get('action') ?? '', target: query.get('target') ?? '' }
  const cursor = query.get('cursor') ?? undefined
  const page = await context.api.get<Page<AuditEntry>>('/admin/audit', { ...filters, cursor, limit: String(PAGE_SIZE) })
  const form = actionForm(context.run, 'filters', async (submitted) => {
    context.navigate(hashOf('audit', { actor: fieldOf(submitted, 'actor'), action: fieldOf(submitted, 'action'), target: fieldOf(submitted, 'target') }))
  },
  field('Actor (key ID)', h('input', { name: 'actor', value: filters.actor, maxlength: '128' })),
  field('Action', h('input', { name: 'action', value: filters.action, maxlength: '64' }), 'key.revoke, key.rotate, owner.revoke, admin.refused…'),
  field('Target', h('input', { name: 'target', value: filters.target, maxlength: '128' })),
  h('button', { type: 'submit' }, 'Filter'))
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Audit log'),
    form,
    auditTable(`${page.items.length} entries, oldest first`, page.items),
    h('nav', { 'aria-label': 'Pages of the audit log', class: 'pages' },
      cursor === undefined ? null : h('a', { href: hashOf('audit', filters) }, 'First page'),
      ' ',
      page.nextCursor === null ? null : h('a', { href: hashOf('audit', { ...filters, cursor: page.nextCursor }), rel: 'next' }, 'Next page')))
}
