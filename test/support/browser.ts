// Debian's Chromium, headless, driven by playwright-core: an empty profile per launch and a closed network.
import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, type Page, chromium } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`), or the one CHROMIUM_PATH names. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// The machine's network is closed: without these, Chromium keeps trying to reach Google's services.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']

export interface Browser {
  context: BrowserContext
  /** What pages wrote to their console as errors, and the dialogs they opened (alert, confirm…): a test expects none. */
  problems: string[]
  close (): Promise<void>
}

/** A browser whose profile is a fresh directory, removed on close. */
export async function launchBrowser (): Promise<Browser> {
  await access(CHROMIUM).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`)
  })
  const profile = await mkdtemp(join(tmpdir(), 'keygate-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 860 } })
  const problems: string[] = []
  const watch = (page: Page): void => {
    page.on('console', (message) => {
      // A refusal of the API is the page's to show (it does, as the API's error_description); Chromium
      // logs it too. Any other error, a missing file or a CSP refusal, is a problem.
      const refusedByApi = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) &&
        /\/(admin|oauth)\//.test(new URL(message.location().url || 'about:blank').pathname)
      if (message.type() === 'error' && !refusedByApi) problems.push(`console error: ${message.text()}`)
    })
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.type()} ${dialog.message()}`)
      dialog.dismiss().catch(() => {})
    })
  }
  context.pages().forEach(watch)
  context.on('page', watch)
  return {
    context,
    problems,
    async close () {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical violations on the page as it is now: `rule: target` lines. */
export async function seriousViolations (page: Page): Promise<string[]> {
  await page.evaluate(await axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run (): Promise<{ violations: Array<{ id: string, impact: string | null, nodes: Array<{ target: unknown[] }> }> }> } }).axe
    return (await axe.run()).violations
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`)
}
