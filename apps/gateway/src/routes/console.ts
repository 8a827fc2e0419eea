// The ops console at /console: static files under a strict CSP. It has no route of its own beyond its
// files: every action goes through the admin API, with the same authorization and audit.
import { readFile, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { errors } from '../errors.ts'

const PAGES = fileURLToPath(new URL('../../console/static/', import.meta.url))
const SCRIPTS = fileURLToPath(new URL('../../dist/console/', import.meta.url))

/**
 * Scripts and styles from this origin only, no inline code (Trusted Types refuse HTML sinks too), no
 * framing, no referrer, calls to this origin only.
 */
const CONSOLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
    "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'", 'trusted-types'
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'cache-control': 'no-store'
})

function escapeAttribute (value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

export interface ConsoleRoutesOptions {
  /** The admin audience the page asks tokens for ('' for none). */
  adminAudience: string | undefined
}

const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, options) => {
  if (!(await stat(`${SCRIPTS}main.js`).catch(() => undefined))) {
    throw new Error(`the console's scripts are not built (${SCRIPTS}main.js): run pnpm build, or set KEYGATE_CONSOLE=false`)
  }
  const page = (await readFile(`${PAGES}index.html`, 'utf8'))
    .replace('<meta name="keygate-admin-audience" content="">', `<meta name="keygate-admin-audience" content="${escapeAttribute(options.adminAudience ?? '')}">`)

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(CONSOLE_HEADERS)
  })
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
  await app.register(fastifyStatic, {
    root: [PAGES, SCRIPTS],
    prefix: '/',
    index: false,
    serveDotFiles: false,
    // Every console response is no-store: nothing to revalidate.
    cacheControl: false,
    etag: false,
    lastModified: false,
    // Only what the page loads: not the declarations, build info or the template.
    allowedPath: (pathName) => /^\/[\w/-]+\.(js|css|svg)$/.test(pathName)
  })
  app.setNotFoundHandler(async () => {
    throw new errors.KG_ERR_NOT_FOUND('console file')
  })
}

export default consoleRoutes
