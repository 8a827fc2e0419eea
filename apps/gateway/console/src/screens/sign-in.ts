// Sign-in: an admin key exchanged at /oauth/token for an admin token; neither leaves this page's memory.
import { ApiError } from '../api.ts'
import { field, fieldOf, h } from '../dom.ts'
import { type Session, signIn } from '../session.ts'

export interface SignInOptions {
  /** The gateway's admin audience ('' for none): the token is asked for it. */
  audience: string
  message?: string | undefined
  onSignedIn (session: Session): void
}

export function signInScreen ({ audience, message, onSignedIn }: SignInOptions): HTMLElement {
  const alert = h('p', { role: 'alert', class: 'alert' })
  const status = h('p', { role: 'status', class: 'status' }, message ?? '')
  const input = h('input', { type: 'password', name: 'apiKey', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: '256' })
  const button = h('button', { type: 'submit' }, 'Sign in')
  const form = h('form', {
    onsubmit: (event) => {
      event.preventDefault()
      const apiKey = fieldOf(form, 'apiKey')
      input.value = ''
      button.disabled = true
      status.textContent = 'Signing in…'
      alert.textContent = ''
      signIn(apiKey, audience).then(onSignedIn, (err: unknown) => {
        button.disabled = false
        status.textContent = ''
        alert.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err)
        input.focus()
      })
    }
  },
  field('Admin API key', input, 'A key with the keygate:admin scope. It stays in this tab\'s memory: reloading, closing the tab or signing out forgets it.'),
  audience === '' ? null : h('p', {}, 'Tokens are asked for the admin audience ', h('code', {}, audience), '.'),
  button)
  return h('main', { id: 'screen', class: 'sign-in' },
    h('h1', { tabindex: '-1' }, 'keygate console'),
    status,
    alert,
    form)
}
