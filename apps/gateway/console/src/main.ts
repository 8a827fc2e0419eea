// The console's entry: sign-in first, then the screen the location hash names, inside the shell.
import { createApi, messageOf } from './api.ts'
import type { Context, Screen } from './context.ts'
import { h, replace } from './dom.ts'
import { type RouteName, routeOf } from './router.ts'
import { type Session } from './session.ts'
import { auditScreen } from './screens/audit.ts'
import { createKeyScreen } from './screens/create-key.ts'
import { keyScreen } from './screens/key.ts'
import { keysScreen } from './screens/keys.ts'
import { signInScreen } from './screens/sign-in.ts'
import { signingKeysScreen } from './screens/signing-keys.ts'
import { verifiersScreen } from './screens/verifiers.ts'

const SCREENS: Record<RouteName, Screen> = {
  keys: keysScreen,
  key: keyScreen,
  create: createKeyScreen,
  audit: auditScreen,
  'signing-keys': signingKeysScreen,
  verifiers: verifiersScreen
}

const NAV: Array<[string, string, RouteName[]]> = [
  ['#/keys', 'Keys', ['keys', 'key']],
  ['#/create', 'Create a key', ['create']],
  ['#/audit', 'Audit log', ['audit']],
  ['#/signing-keys', 'Signing keys', ['signing-keys']],
  ['#/verifiers', 'Verifiers', ['verifiers']]
]

const root = document.getElementById('app') as HTMLElement
const audience = document.querySelector('meta[name="keygate-admin-audience"]')?.getAttribute('content') ?? ''
let session: Session | undefined
// Each render gets a number: a slow screen that finishes after the operator moved on is dropped.
let renders = 0

/** The signed-in page: built once per session, so that its live regions stay and only their text changes. */
interface Shell { status: HTMLElement, alert: HTMLElement, screen: HTMLElement, links: HTMLAnchorElement[] }
let shell: Shell | undefined

function showSignIn (message?: string): void {
  session?.forget()
  session = undefined
  shell = undefined
  renders++
  window.removeEventListener('hashchange', onNavigate)
  replace(root, signInScreen({ audience, message, onSignedIn }))
  root.querySelector('input')?.focus()
}

function buildShell (signedIn: Session): Shell {
  const links = NAV.map(([href, label]) => h('a', { href }, label))
  const built: Shell = {
    status: h('p', { role: 'status', class: 'status' }),
    alert: h('p', { role: 'alert', class: 'alert' }),
    screen: h('main', { id: 'screen' }),
    links
  }
  replace(root,
    h('header', { class: 'shell' },
      h('p', { class: 'brand' }, 'keygate console'),
      h('nav', { 'aria-label': 'Console' }, h('ul', {}, ...links.map((link) => h('li', {}, link)))),
      h('p', { class: 'who' }, 'Signed in as ', h('code', {}, signedIn.keyId), ' ',
        h('button', { type: 'button', onclick: () => showSignIn('Signed out.') }, 'Sign out'))),
    built.status,
    built.alert,
    built.screen)
  return built
}

function onSignedIn (signedIn: Session): void {
  session = signedIn
  shell = buildShell(signedIn)
  window.addEventListener('hashchange', onNavigate)
  onNavigate()
}

// A render reports its own failures on screen; one that escapes is a bug of the console: say so.
function onNavigate (): void {
  render(false).catch((err: unknown) => replace(root, h('p', { role: 'alert', class: 'alert' }, `The console failed: ${messageOf(err)}`)))
}

async function render (keepStatus: boolean): Promise<void> {
  const current = ++renders
  const signedIn = session
  const page = shell
  if (!signedIn || !page) return
  const route = routeOf(location.hash)
  const { status, alert, screen } = page
  if (!keepStatus) status.textContent = ''
  alert.textContent = ''
  const context: Context = {
    // A refusal from this session's renewal ends it, unless another session has begun since.
    api: createApi(signedIn, (reason) => { if (session === signedIn) showSignIn(`Signed out: ${reason}`) }),
    session: signedIn,
    route,
    announce: (message) => {
      alert.textContent = ''
      status.textContent = message
    },
    async run (action) {
      alert.textContent = ''
      try {
        await action()
      } catch (err) {
        status.textContent = ''
        alert.textContent = messageOf(err)
      }
    },
    navigate: (hash) => {
      if (location.hash === hash) onNavigate()
      else location.hash = hash
    },
    refresh: () => render(true),
    show (content) {
      // Whatever the operator did meanwhile, what an action answers (a key shown once) is shown now.
      if (session !== signedIn) return
      renders++
      replace(screen, content)
      screen.querySelector<HTMLElement>('h1')?.focus()
    }
  }
  const active = NAV.find(([, , names]) => names.includes(route.name))?.[0]
  for (const link of page.links) {
    if (link.getAttribute('href') === active) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  if (!keepStatus) replace(screen, h('p', {}, 'Loading…'))
  try {
    const content = await SCREENS[route.name](context)
    if (current !== renders) return
    replace(screen, content)
    screen.querySelector<HTMLElement>('h1')?.focus()
  } catch (err) {
    if (current !== renders) return
    replace(screen, h('h1', { tabindex: '-1' }, 'Could not load this screen'))
    alert.textContent = messageOf(err)
  }
}

// Leaving the page (or its being put in the back-forward cache) forgets the session and what is on screen.
window.addEventListener('pagehide', () => showSignIn())

showSignIn()
