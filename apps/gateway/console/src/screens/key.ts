// One key: what it may do, where it came from and went, what happened to it, and the actions that stop it.
import type { Context, Screen } from '../context.ts'
import { type Child, actionForm, field, fieldOf, h, select } from '../dom.ts'
import { formatList, formatPropagation, formatTime } from '../format.ts'
import { hashOf, keyHash } from '../router.ts'
import type { AuditEntry, CreatedKey, KeyRecord, Page } from '../types.ts'
import { auditTable } from './audit.ts'
import { ownerRevokePanel } from './owner-revoke.ts'
import { secretOnce } from './secret-once.ts'

const TRAIL_SIZE = 100
const GRACE_PERIODS: Array<[string, string]> = [['0', 'none: the old key stops now'], ['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days']]

function details (pairs: Array<[string, Child]>): HTMLElement {
  return h('dl', {}, ...pairs.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]))
}

function successorOf (trail: AuditEntry[]): string | undefined {
  const rotation = trail.find((entry) => entry.action === 'key.rotate' && typeof entry.details.successor === 'string')
  return rotation?.details.successor as string | undefined
}

function link (keyId: string | null | undefined): Child {
  return keyId === null || keyId === undefined ? 'none' : h('a', { href: keyHash(keyId) }, keyId)
}

function stateActions (context: Context, key: KeyRecord): HTMLElement {
  const path = `/admin/keys/${encodeURIComponent(key.keyId)}`
  const change = (action: 'disable' | 'enable', done: string) => h('button', {
    type: 'button',
    onclick: () => context.run(async () => {
      const result = await context.api.post<KeyRecord>(`${path}/${action}`, {}, { wait: 'true' })
      context.announce(action === 'disable' ? `${done}: ${formatPropagation(result.propagated)}` : done)
      await context.refresh()
    })
  }, action === 'disable' ? 'Disable' : 'Enable')

  const revoke = actionForm(context.run, 'confirm', async (form) => {
    const reason = fieldOf(form, 'reason')
    const result = await context.api.post<KeyRecord>(`${path}/revoke`, reason === '' ? {} : { reason }, { wait: 'true' })
    context.announce(`Revoked ${key.name}: ${formatPropagation(result.propagated)}`)
    await context.refresh()
  },
  field('Reason (kept in the audit log)', h('input', { name: 'reason', maxlength: '512', id: 'revoke-reason' })),
  h('button', { type: 'submit', class: 'danger' }, 'Revoke this key'))

  const rotate = actionForm(context.run, 'confirm', async (form) => {
    const created = await context.api.post<CreatedKey>(`${path}/rotate`, { gracePeriodSeconds: Number(fieldOf(form, 'gracePeriodSeconds')) })
    context.show(secretOnce(context, `${key.name} rotated`, created))
    context.announce(created.keyId === key.keyId ? 'A new key pair was added.' : `The successor is ${created.keyId}.`)
  },
  field('Grace period for the current key', select('gracePeriodSeconds', GRACE_PERIODS, '3600')),
  h('button', { type: 'submit' }, 'Rotate'))

  return h('section', { 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    key.state === 'active' ? h('p', {}, change('disable', `Disabled ${key.name}`)) : null,
    key.state === 'disabled' ? h('p', {}, change('enable', `Enabled ${key.name}`)) : null,
    key.state === 'active' || key.state === 'disabled' ? rotate : null,
    revoke)
}

export const keyScreen: Screen = async (context) => {
  const keyId = context.route.id ?? ''
  const [key, trail, rotations] = await Promise.all([
    context.api.get<KeyRecord>(`/admin/keys/${encodeURIComponent(keyId)}`),
    context.api.get<Page<AuditEntry>>('/admin/audit', { target: keyId, limit: String(TRAIL_SIZE) }),
    // A key is rotated once at most: its one key.rotate entry names the successor, however long the trail.
    context.api.get<Page<AuditEntry>>('/admin/audit', { target: keyId, action: 'key.rotate', limit: '1' })
  ])
  const lifecycle: Array<[string, Child]> = [
    ['State', h('span', { class: `state state-${key.state}` }, key.state)],
    ['Created', formatTime(key.createdAt)],
    ['Expires', formatTime(key.expiresAt)],
    ['Last used', formatTime(key.lastUsedAt)]
  ]
  if (key.disabledAt !== null) lifecycle.push(['Disabled', formatTime(key.disabledAt)])
  if (key.revokedAt !== null) lifecycle.push(['Revoked', `${formatTime(key.revokedAt)}${key.revokedReason === null ? '' : `: ${key.revokedReason}`}`])

  return h('div', {},
    h('h1', { tabindex: '-1' }, key.name),
    details([['Key ID', h('code', {}, key.keyId)], ['Key', h('code', {}, key.start)], ['Owner', h('a', { href: `#/keys?owner=${encodeURIComponent(key.owner)}` }, key.owner)], ['Environment', key.environment], ['Credential', key.credential]]),
    h('h2', {}, 'Policy'),
    details([
      ['Scopes', formatList(key.scopes)],
      ['Audiences', formatList(key.audiences)],
      ['IP allowlist', key.ipAllowlist.length === 0 ? 'any address' : formatList(key.ipAllowlist)],
      ['Metadata', Object.keys(key.metadata).length === 0 ? '—' : h('code', {}, JSON.stringify(key.metadata))]
    ]),
    h('h2', {}, 'Lifecycle'),
    details([...lifecycle, ['Rotated from', link(key.rotatedFrom)], ['Rotated to', link(successorOf(rotations.items))]]),
    key.credential === 'keypair'
      ? h('section', {}, h('h2', {}, 'Public keys'), details(key.publicKeys.map((k): [string, Child] => [k.alg, `${k.thumbprint} (expires ${formatTime(k.expiresAt)})`])))
      : null,
    key.state === 'revoked' ? null : stateActions(context, key),
    ownerRevokePanel(context, key.owner),
    h('h2', {}, 'Audit trail'),
    auditTable(`What happened to ${key.name}`, trail.items),
    trail.nextCursor === null ? null : h('p', {}, `The first ${TRAIL_SIZE} entries: `, h('a', { href: hashOf('audit', { target: key.keyId }) }, 'the whole trail in the audit log'), '.'))
}
