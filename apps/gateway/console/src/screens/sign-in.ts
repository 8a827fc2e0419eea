// Sign-in: an admin key, or a keypair key signing an assertion, exchanged at /oauth/token for an admin
// token; none of it leaves this page's memory.
import { importKeypair } from '../assertion.ts'
import { messageOf } from '../api.ts'
import { field, fieldOf, h } from '../dom.ts'
import { type Credential, type Session, signIn } from '../session.ts'

export interface SignInOptions {
  /** The gateway's admin audience ('' for none): the token is asked for it. */
  audience: string
  message?: string | undefined
  onSignedIn (session: Session): void
}

export function signInScreen ({ audience, message, onSignedIn }: SignInOptions): HTMLElement {
  const alert = h('p', { role: 'alert', class: 'alert' })
  const status = h('p', { role: 'status', class: 'status' }, message ?? '')

  // Reads the credential, clears the fields that held it, and signs in.
  const signInWith = (form: HTMLFormElement, read: (form: HTMLFormElement) => Promise<Credential>) => (event: Event) => {
    event.preventDefault()
    const buttons = [...document.querySelectorAll<HTMLButtonElement>('.sign-in button')]
    const attempt = read(form)
    form.reset()
    for (const button of buttons) button.disabled = true
    status.textContent = 'Signing in…'
    alert.textContent = ''
    return attempt.then((credential) => signIn(credential, audience)).then(onSignedIn, (err: unknown) => {
      for (const button of buttons) button.disabled = false
      status.textContent = ''
      alert.textContent = messageOf(err)
      form.querySelector('input')?.focus()
    })
  }

  const secret: HTMLFormElement = h('form', { 'aria-labelledby': 'secret-title' },
    h('h2', { id: 'secret-title' }, 'With an admin key'),
    field('Admin API key', h('input', { type: 'text', class: 'concealed', name: 'apiKey', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: '256' }),
      'A key with the keygate:admin scope. It stays in this tab\'s memory: reloading, closing the tab or signing out forgets it.'),
    h('button', { type: 'submit' }, 'Sign in'))
  secret.addEventListener('submit', signInWith(secret, async (form) => ({ kind: 'secret', apiKey: fieldOf(form, 'apiKey') })))

  const keypair: HTMLFormElement = h('form', { 'aria-labelledby': 'keypair-title' },
    h('h2', { id: 'keypair-title' }, 'Or with a keypair key'),
    field('Key ID', h('input', { name: 'keyId', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: '64', pattern: '[0-9A-Za-z]{1,64}' })),
    field('Private key (PKCS#8 PEM)', h('textarea', { name: 'privateKey', required: true, rows: '4', autocomplete: 'off', spellcheck: 'false', maxlength: '4096' }),
      'Imported once as a key this page can sign with but not read back; the text is cleared.'),
    h('button', { type: 'submit' }, 'Sign in with the keypair'))
  keypair.addEventListener('submit', signInWith(keypair, async (form) => {
    const keyId = fieldOf(form, 'keyId')
    return { kind: 'keypair', ...await importKeypair(keyId, fieldOf(form, 'privateKey')) }
  }))

  return h('main', { id: 'screen', class: 'sign-in' },
    h('h1', { tabindex: '-1' }, 'keygate console'),
    status,
    alert,
    audience === '' ? null : h('p', {}, 'Tokens are asked for the admin audience ', h('code', {}, audience), '.'),
    secret,
    keypair)
}
