// The logger: request ids, and no API key, client secret or JWT in any log line.
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger, RawRequestDefaultExpression } from 'fastify'
import { pino } from 'pino'

const API_KEY_PATTERN = /[a-z][a-z0-9]*_[a-z0-9]+_[0-9A-Za-z]+_[0-9A-Za-z]{40,}/g
// A JWS in compact form: its header is a JSON object, so base64url of `{` and the next character.
const JWT_PATTERN = /e[wy][\w-]{8,}\.[\w-]+\.[\w-]*/g
const REQUEST_ID_PATTERN = /^[\w.:-]{1,64}$/
// Escapes a client may put a secret under: percent-encoding (a query string, a path) and \uXXXX.
const ESCAPE = /%([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})/g
const MAX_UNESCAPES = 3

const replaceSecrets = (text: string): string => text.replace(API_KEY_PATTERN, '[api-key]').replace(JWT_PATTERN, '[jwt]')
const unescapeOnce = (text: string): string => text.replace(ESCAPE, (_, pct: string | undefined, uni: string | undefined) => String.fromCharCode(parseInt(pct ?? uni ?? '', 16)))

/**
 * Replaces anything shaped like an API key or a JWT, plain or escaped (up to three times over). Text with
 * a secret under an escape is logged unescaped, with the secret replaced; text without one, as it was.
 */
export function scrubSecrets (text: string): string {
  let form = text
  let found = false
  for (let i = 0; ; i++) {
    found ||= replaceSecrets(form) !== form
    const next = i < MAX_UNESCAPES ? unescapeOnce(form) : form
    if (next === form) break
    form = next
  }
  return found ? replaceSecrets(form) : text
}

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'body.client_secret',
  'client_secret',
  '*.client_secret',
  'access_token',
  '*.access_token',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key'
]

// A fresh id is this process's random tag and a counter: unique across replicas (64 random bits per
// process), and a string concatenation per request where a UUID cost a tenth of a refused request.
const PROCESS_TAG = randomBytes(8).toString('base64url')
let issued = 0

/** A caller's `x-request-id` when it is short and plain; otherwise a fresh one, `<process tag>-<counter>`. */
export function requestIdFor (req: RawRequestDefaultExpression): string {
  const incoming = req.headers['x-request-id']
  if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming
  issued += 1
  return `${PROCESS_TAG}-${issued.toString(36)}`
}

/** The gateway's logger: redacted, scrubbed, to `stream` (stdout by default). */
export function createLogger (level: string, stream?: NodeJS.WritableStream): FastifyBaseLogger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string, url: string, ip?: string, id?: string }) => ({ method: req.method, url: scrubSecrets(req.url), ip: req.ip }),
      err: (err: Error & { code?: string }) => ({ type: err.name, code: err.code, message: scrubSecrets(err.message), stack: scrubSecrets(err.stack ?? '') })
    }
  }
  return stream === undefined ? pino(options) : pino(options, stream)
}
