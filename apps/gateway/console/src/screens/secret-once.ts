// The one time a key is shown: after creation or rotation, with a copy button and a plain warning. It lives
// in this panel only: navigating away or reloading drops it, and nothing can show it again.
import type { Context } from '../context.ts'
import { h } from '../dom.ts'
import { keyHash } from '../router.ts'
import type { CreatedKey } from '../types.ts'

export function secretOnce (context: Context, title: string, created: CreatedKey): HTMLElement {
  const secret = created.key ?? created.privateKey?.pem ?? ''
  const what = created.key === undefined ? 'private key' : 'key'
  const value = h('pre', { class: 'secret', id: 'secret-value' }, secret)
  return h('section', { class: 'once', 'aria-labelledby': 'once-title' },
    h('h1', { id: 'once-title', tabindex: '-1' }, title),
    h('p', { class: 'warning' }, h('strong', {}, `Copy this ${what} now: you will not see it again.`),
      created.key === undefined ? ' keygate keeps only its public key.' : ' keygate keeps only its hash.'),
    value,
    h('p', {},
      h('button', {
        type: 'button',
        onclick: () => context.run(async () => {
          await navigator.clipboard.writeText(secret)
          context.announce(`The ${what} is on the clipboard.`)
        })
      }, `Copy the ${what}`),
      ' ',
      h('a', { href: keyHash(created.keyId) }, `Done: go to ${created.name}`)),
    h('p', {}, 'Key ID ', h('code', {}, created.keyId), ', shown in lists as ', h('code', {}, created.start), '.'))
}
