// What every screen is given: the API, the session, and the page's two message regions.
import type { Api } from './api.ts'
import type { Route } from './router.ts'
import type { Session } from './session.ts'

export interface Context {
  api: Api
  session: Session
  route: Route
  /** Says something in the status region (read out politely). */
  announce (message: string): void
  /** Runs an action; a failure shows in the alert region as the API's error_description. */
  run (action: () => Promise<void>): Promise<void>
  /** Goes to a hash route. */
  navigate (hash: string): void
  /** Renders this screen again with fresh data, keeping what the status region says. */
  refresh (): Promise<void>
  /** Shows an action's answer (a key shown once) in place of the screen, whatever was rendering. */
  show (content: Node): void
}

export type Screen = (context: Context) => Promise<Node>
