// Signing keys: which sign, which are published, rotation ahead of time, and revocation after a leak.
import type { Context, Screen } from '../context.ts'
import { actionForm, field, fieldOf, h, replace, select, table } from '../dom.ts'
import { formatPropagation, formatTime } from '../format.ts'
import type { Propagation, SigningKey } from '../types.ts'

function revokeButton (context: Context, key: SigningKey): HTMLElement {
  const area = h('div', {})
  const start = h('button', {
    type: 'button',
    class: 'danger',
    onclick: () => {
      const cancel = h('button', { type: 'button', onclick: () => { replace(area, start); start.focus() } }, 'Cancel')
      replace(area, h('p', { class: 'warning' }, `Tokens signed by ${key.kid} stop working everywhere at once; a new key signs from now on.`),
        h('button', {
          type: 'button',
          class: 'danger',
          onclick: () => context.run(async () => {
            const result = await context.api.post<{ replacement?: string, propagated?: Propagation }>(`/admin/signing-keys/${encodeURIComponent(key.kid)}/revoke`, undefined, { wait: 'true' })
            context.announce(`Revoked ${key.kid}${result.replacement === undefined ? '' : `; ${result.replacement} signs now`}: ${formatPropagation(result.propagated)}`)
            await context.refresh()
          })
        }, `Revoke ${key.kid} now`),
        ' ',
        cancel)
      // Not the destructive button: a second Enter must not revoke a key every service trusts.
      cancel.focus()
    }
  }, `Revoke ${key.kid}…`)
  replace(area, start)
  return area
}

export const signingKeysScreen: Screen = async (context) => {
  const { items } = await context.api.get<{ items: SigningKey[] }>('/admin/signing-keys')
  const rotate = actionForm(context.run, 'filters', async (form) => {
    const delay = fieldOf(form, 'activateInSeconds')
    const alg = fieldOf(form, 'alg')
    const rotated = await context.api.post<{ kid: string, activatesAt: string }>('/admin/signing-keys/rotate', {
      ...(delay === '' ? {} : { activateInSeconds: Number(delay) }),
      ...(alg === '' ? {} : { alg })
    })
    context.announce(`${rotated.kid} is published and signs from ${formatTime(rotated.activatesAt)}.`)
    await context.refresh()
  },
  field('Signs after (seconds)', h('input', { name: 'activateInSeconds', type: 'number', min: '0', max: '86400' }), 'Empty: once verifiers\' JWKS caches have it'),
  field('Algorithm', select('alg', [['', 'as configured'], ['EdDSA', 'EdDSA'], ['ES256', 'ES256'], ['RS256', 'RS256']])),
  h('button', { type: 'submit' }, 'Rotate'))
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Signing keys'),
    table(`${items.length} signing keys, oldest first`, ['Key ID', 'Algorithm', 'State', 'Created', 'Signs from', 'Retires', 'Revoked', 'Action'], items.map((key) => [
      h('code', {}, key.kid),
      key.alg,
      h('span', { class: `state state-${key.state}` }, key.state),
      formatTime(key.createdAt),
      formatTime(key.activatesAt),
      formatTime(key.retiresAt),
      formatTime(key.revokedAt),
      key.state === 'revoked' || key.state === 'retired' ? '—' : revokeButton(context, key)
    ])),
    h('h2', {}, 'Rotate'),
    rotate)
}
