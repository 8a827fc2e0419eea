// Creating a key: its policy in a form; the answer shows the key once (secret-once.ts).
import type { Screen } from '../context.ts'
import { actionForm, field, fieldOf, h, select } from '../dom.ts'
import type { CreatedKey } from '../types.ts'
import { secretOnce } from './secret-once.ts'

/** Words separated by spaces or commas. */
function wordsOf (text: string): string[] {
  return text.split(/[\s,]+/).filter((word) => word !== '')
}

export const createKeyScreen: Screen = async (context) => {
  const form = actionForm(context.run, 'create', async () => {
    const days = fieldOf(form, 'expiresInDays')
    const credential = fieldOf(form, 'credential')
    const created = await context.api.post<CreatedKey>('/admin/keys', {
      name: fieldOf(form, 'name'),
      owner: fieldOf(form, 'owner'),
      scopes: wordsOf(fieldOf(form, 'scopes')),
      audiences: wordsOf(fieldOf(form, 'audiences')),
      ipAllowlist: wordsOf(fieldOf(form, 'ipAllowlist')),
      environment: fieldOf(form, 'environment'),
      ...(days === '' ? {} : { expiresAt: new Date(Date.now() + Number(days) * 86_400_000).toISOString() }),
      ...(credential === 'secret' ? {} : { keyPair: { alg: credential } })
    })
    context.show(secretOnce(context, `${created.name} created`, created))
    context.announce('Key created.')
  },
  field('Name', h('input', { name: 'name', required: true, maxlength: '128' })),
  field('Owner', h('input', { name: 'owner', required: true, maxlength: '128' }), 'The team or service it belongs to: revoking an owner revokes all of its keys.'),
  field('Scopes', h('input', { name: 'scopes', required: true }), 'Separated by spaces, e.g. orders:read orders:write'),
  field('Audiences', h('input', { name: 'audiences' }), 'The services its tokens are for; empty: the default audience'),
  field('IP allowlist', h('input', { name: 'ipAllowlist' }), 'Addresses or ranges, e.g. 10.0.0.0/8; empty: any address'),
  field('Environment', select('environment', [['live', 'live'], ['test', 'test']], 'live')),
  field('Expires in (days)', h('input', { name: 'expiresInDays', type: 'number', min: '1', max: '3650', step: '1' }), 'Empty: never'),
  field('Credential', select('credential', [['secret', 'a secret key (shown once)'], ['EdDSA', 'a keypair, Ed25519 (private key shown once)'], ['ES256', 'a keypair, P-256 (private key shown once)']], 'secret')),
  h('button', { type: 'submit' }, 'Create the key'))
  return h('div', {}, h('h1', { tabindex: '-1' }, 'Create a key'), form)
}
