// The logger: request ids, and no API key, client secret or JWT in any log line.
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger, RawRequestDefaultExpression } from 'fastify'
import { pino } from 'pino'

const REQUEST_ID_PATTERN = /^[\w.:-]{1,64}$/
// Escapes a client may put a secret under: percent-encoding (a query string, a path) and \uXXXX.
const ESCAPE = /%([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})/g
// The same, uncaptured, as a part of the patterns below.
const AN_ESCAPE = ESCAPE.source.replaceAll('(', '(?:')
const MAX_UNESCAPES = 3

// Secrets are found run by run, in one pass over the text: runs of [A-Za-z0-9_.-] and escapes (a linear
// regex). A backtracking pattern over the whole text would cost a scan from every position of a long run that
// is no secret (`eyey…`), quadratic in what a client sends. A run holding a secret is masked from where the
// secret starts to the run's end: escapes belong to the run, so a signature that goes on under one
// (`….%5Fsig`) goes with it, and a run that only looks like a key while escaped cannot leave the token it
// hides for a later pass to miss. What came before the secret in the run is kept (a probe's path).
const RUN = new RegExp(`(?:[\\w.-]|${AN_ESCAPE})+`, 'g')
// What ends a key's part: an escape, `.` or `-` (a key is base62 and `_`).
const KEY_BOUNDARY = new RegExp(`([.-]|${AN_ESCAPE})`)
const KEY_SECRET_MIN = 40

// Where the lowercase name a segment ends with (`[a-z][a-z0-9]*`) starts, or -1: scanned from the end once.
function nameStart (segment: string): number {
  let i = segment.length
  while (i > 0 && /[a-z0-9]/.test(segment[i - 1] as string)) i--
  while (i < segment.length && !/[a-z]/.test(segment[i] as string)) i++
  return i < segment.length ? i : -1
}

// An API key, `<prefix>_<env>_<keyId>_<secret>`: four `_`-separated parts, the first ending in a lowercase
// name, the second lowercase, the secret 40 characters or more. Where in `part` it starts, or -1.
function keyStartIn (part: string): number {
  const segs = part.split('_')
  let offset = 0
  for (let i = 0; i + 3 < segs.length; i++) {
    const [s0 = '', s1 = '', s2 = '', s3 = ''] = segs.slice(i, i + 4)
    const name = nameStart(s0)
    if (name >= 0 && /^[a-z0-9]+$/.test(s1) && /^[0-9A-Za-z]+$/.test(s2) && s3.length >= KEY_SECRET_MIN && /^[0-9A-Za-z]+$/.test(s3)) return offset + name
    offset += s0.length + 1
  }
  return -1
}

// Where in a run the first API key starts, or -1: looked for in each part between boundaries.
function keyStart (run: string): number {
  const pieces = run.split(KEY_BOUNDARY)
  let offset = 0
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as string
    const start = i % 2 === 0 ? keyStartIn(piece) : -1
    if (start >= 0) return offset + start
    offset += piece.length
  }
  return -1
}

// A JWS, `<header>.<payload>.<signature>`: the header's base64url starts `ey` or `ew` (a JSON object).
// Where in a run the first one starts, or -1.
function jwtStart (run: string): number {
  const parts = run.split('.')
  let offset = 0
  for (let i = 0; i + 2 < parts.length; i++) {
    const header = parts[i] as string
    const start = header.search(/e[wy]/)
    if (start >= 0 && header.length - start >= 10 && (parts[i + 1] as string).length > 0) return offset + start
    offset += header.length + 1
  }
  return -1
}

function maskKeys (text: string): string {
  const start = keyStart(text)
  return start < 0 ? text : `${text.slice(0, start)}[api-key]`
}

function maskRun (run: string): string {
  const jwt = jwtStart(run)
  // No JWT starts before the first one; a key may.
  return jwt < 0 ? maskKeys(run) : `${maskKeys(run.slice(0, jwt))}[jwt]`
}

const replaceSecrets = (text: string): string => text.replace(RUN, maskRun)
const unescapeOnce = (text: string): string => text.replace(ESCAPE, (_, pct: string | undefined, uni: string | undefined) => String.fromCharCode(parseInt(pct ?? uni ?? '', 16)))

/**
 * Replaces anything shaped like an API key or a JWT, plain or escaped (up to three times over). Text with
 * a secret under an escape is logged unescaped, with the secret replaced; text without one, as it was.
 */
export function scrubSecrets (text: string): string {
  let form = text
  let found = false
  for (let i = 0; ; i++) {
    // Replaced before each unescape: an escape just before a secret (`%0eyJ…`) must not eat into it.
    const scrubbed = replaceSecrets(form)
    found ||= scrubbed !== form
    const next = i < MAX_UNESCAPES ? unescapeOnce(scrubbed) : scrubbed
    if (next === scrubbed) return found ? scrubbed : text
    form = next
  }
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
