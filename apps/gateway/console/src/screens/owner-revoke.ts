// Revoking every key of an owner: first the count (what the confirmation names), then the revocation.
import type { Context } from '../context.ts'
import { actionForm, field, fieldOf, h, replace } from '../dom.ts'
import { countKeys, formatPropagation } from '../format.ts'
import type { KeyRecord, Page, Propagation } from '../types.ts'

const PAGE = 500

/** Keys of the owner that a revocation would reach: every one not revoked yet. */
async function unrevokedKeysOf (context: Context, owner: string): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await context.api.get<Page<KeyRecord>>('/admin/keys', { owner, limit: String(PAGE), cursor })
    count += page.items.filter((key) => key.state !== 'revoked').length
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return count
}

export function ownerRevokePanel (context: Context, owner: string): HTMLElement {
  const panel = h('div', { class: 'confirm-area' })
  const start = h('button', {
    type: 'button',
    class: 'danger',
    onclick: () => context.run(async () => {
      const count = await unrevokedKeysOf(context, owner)
      if (count === 0) {
        context.announce(`${owner} has no key left to revoke.`)
        return
      }
      replace(panel, confirmation(context, owner, count, () => { replace(panel, start); start.focus() }))
      panel.querySelector<HTMLElement>('input')?.focus()
    })
  }, `Revoke every key of ${owner}…`)
  replace(panel, start)
  return h('section', { 'aria-labelledby': 'owner-revoke-title' }, h('h2', { id: 'owner-revoke-title' }, `Every key of ${owner}`), panel)
}

function confirmation (context: Context, owner: string, count: number, cancel: () => void): HTMLElement {
  return actionForm(context.run, 'confirm', async (form) => {
    const reason = fieldOf(form, 'reason')
    const result = await context.api.post<{ revoked: string[], propagated?: Propagation }>(
          `/admin/owners/${encodeURIComponent(owner)}/revoke`, reason === '' ? {} : { reason }, { wait: 'true' })
    context.announce(`Revoked ${countKeys(result.revoked.length)} of ${owner}: ${formatPropagation(result.propagated)}`)
    await context.refresh()
  },
  h('p', { class: 'warning' }, `This revokes ${countKeys(count)} of ${owner}, and every token minted from them. It cannot be undone.`),
  field('Reason (kept in the audit log)', h('input', { name: 'reason', maxlength: '512', id: 'owner-revoke-reason' })),
  h('button', { type: 'submit', class: 'danger' }, `Revoke ${countKeys(count)}`),
  ' ',
  h('button', { type: 'button', onclick: cancel }, 'Cancel'))
}
