// The keys: find one (by keyId, start or a pasted key), filter by owner, state and environment, page through.
import type { Screen } from '../context.ts'
import { actionForm, field, fieldOf, h, select, table } from '../dom.ts'
import { formatList, formatTime, keyIdOf } from '../format.ts'
import { keyHash } from '../router.ts'
import type { KeyRecord, Page } from '../types.ts'
import { ENVIRONMENTS, KEY_STATES } from '../vocabulary.ts'
import { ownerRevokePanel } from './owner-revoke.ts'
import { filterForm, listingOf, pager } from './paged-list.ts'

const PAGE_SIZE = 25
const FILTERS = ['owner', 'state', 'environment'] as const

export const keysScreen: Screen = async (context) => {
  const listing = listingOf(context.route.query, FILTERS)
  const { filters, cursor } = listing
  const page = await context.api.get<Page<KeyRecord>>('/admin/keys', { ...filters, cursor, limit: String(PAGE_SIZE) })

  const find = actionForm(context.run, 'find', async (form) => {
    const keyId = keyIdOf(fieldOf(form, 'find'))
    // The field may hold a whole leaked key: clear it, only the keyId goes anywhere.
    form.reset()
    if (keyId === undefined) throw new Error('That is not a key ID, a key\'s start or a key.')
    context.navigate(keyHash(keyId))
  },
  field('Find a key', h('input', { name: 'find', type: 'text', class: 'concealed', autocomplete: 'off', spellcheck: 'false', maxlength: '256' }),
    'A key ID, a key\'s start, or a whole leaked key: only its key ID leaves this page.'),
  h('button', { type: 'submit' }, 'Find'))

  const filter = filterForm(context, 'keys', FILTERS,
    field('Owner', h('input', { name: 'owner', value: filters.owner, maxlength: '128' })),
    field('State', select('state', [['', 'any'], ...KEY_STATES.map((s): [string, string] => [s, s])], filters.state)),
    field('Environment', select('environment', [['', 'any'], ...ENVIRONMENTS.map((e): [string, string] => [e, e])], filters.environment)))

  const rows = page.items.map((key) => [
    h('a', { href: keyHash(key.keyId) }, key.name),
    key.owner,
    h('code', {}, key.start),
    h('span', { class: `state state-${key.state}` }, key.state),
    formatList(key.scopes),
    formatList(key.audiences),
    formatTime(key.expiresAt),
    formatTime(key.lastUsedAt)
  ])
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Keys'),
    find,
    filter,
    page.items.length === 0
      ? h('p', {}, 'No key matches these filters.')
      : table(`${page.items.length} keys${cursor === undefined ? '' : ' (a later page)'}`, ['Name', 'Owner', 'Key', 'State', 'Scopes', 'Audiences', 'Expires', 'Last used'], rows),
    pager('Pages of keys', 'keys', listing, page.nextCursor),
    filters.owner === '' ? null : ownerRevokePanel(context, filters.owner))
}
