// The one place errors become HTTP: RFC 6749 §5.2 bodies, WWW-Authenticate, Retry-After, generic 500s.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type KeygateError, type KeygateErrorCode, isKeygateError, oauthBodyOf } from '../errors.ts'

interface WireError {
  status: number
  error: string
  description: string
}

// Fastify's own client errors (bad JSON, wrong content type, oversized body) keep their status.
function fromFastify (err: FastifyError): WireError | undefined {
  if (err.validation) {
    const first = err.validation[0]
    const params = (first?.params ?? {}) as { missingProperty?: string, additionalProperty?: string }
    const path = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : undefined
    const context = err.validationContext ?? 'body'
    if (params.additionalProperty !== undefined) {
      return { status: 400, error: 'invalid_request', description: `${context}${path ? `.${path}` : ''}.${params.additionalProperty} is not allowed` }
    }
    const field = path ?? params.missingProperty
    const where = field ? `${context}.${field}` : context
    return { status: 400, error: 'invalid_request', description: `${where} ${first?.message ?? 'is invalid'}` }
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, error: 'invalid_request', description: 'Request body is too large' }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) return { status, error: 'invalid_request', description: err.message }
  return undefined
}

// Postgres gone (refused, reset, shutting down, pool timeout, or a read-only server mid-failover): a 503 the client may retry, not a 500.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '25006'])
function isBackendUnavailable (err: Error & { code?: unknown }): boolean {
  if (typeof err.code === 'string' && UNAVAILABLE_CODES.has(err.code)) return true
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(err.message)
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Error)
}

function challenge (code: KeygateErrorCode, description: string): string | undefined {
  if (code === 'KG_ERR_CLIENT_INVALID') return 'Basic realm="keygate", charset="UTF-8"'
  // RFC 6750 §3.1: a request with no credentials learns only that a Bearer token is wanted.
  if (code === 'KG_ERR_TOKEN_MISSING') return 'Bearer realm="keygate"'
  if (code === 'KG_ERR_TOKEN_INVALID') return `Bearer realm="keygate", error="invalid_token", error_description="${description}"`
  if (code === 'KG_ERR_SCOPE_INSUFFICIENT') return `Bearer realm="keygate", error="insufficient_scope", error_description="${description}"`
  return undefined
}

function logKeygateError (err: KeygateError, request: FastifyRequest): void {
  if (err.statusCode >= 500) request.log.warn({ code: err.code }, 'request shed')
  else request.log.info({ code: err.code, ...(isPlainObject(err.cause) ? err.cause : {}) }, 'request refused')
}

/** Sends the response an error maps to: Fastify's error handler. */
export function sendError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('cache-control', 'no-store')
  if (isKeygateError(err)) {
    logKeygateError(err, request)
    const header = challenge(err.code, err.message)
    if (header) reply.header('www-authenticate', header)
    if (err.statusCode === 503 || err.statusCode === 429) reply.header('retry-after', String(err.retryAfter ?? 1))
    return reply.code(err.statusCode).send(oauthBodyOf(err))
  }
  if (isBackendUnavailable(err)) {
    request.log.warn({ err }, 'backing service unavailable')
    reply.header('retry-after', '2')
    return reply.code(503).send({ error: 'temporarily_unavailable', error_description: 'A backing service is unavailable, retry later' })
  }
  const wire = fromFastify(err)
  if (wire) {
    request.log.info({ code: err.code, status: wire.status }, 'bad request')
    return reply.code(wire.status).send({ error: wire.error, error_description: wire.description })
  }
  request.log.error({ err }, 'unhandled error')
  return reply.code(500).send({ error: 'server_error', error_description: 'Internal server error' })
}

// The router's refusals (a malformed percent-encoding, a path segment over maxParamLength) come before any
// route: an RFC 6749 body that does not echo the URL (it may hold a key).
const ROUTER_ERRORS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is malformed',
  FST_ERR_MAX_PARAM_LENGTH: 'A segment of the URL path is too long'
}

/** Fastify's `frameworkErrors` option. */
export function sendFrameworkError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = err.statusCode ?? 400
  request.log.info({ code: err.code, status }, 'bad request')
  reply.header('cache-control', 'no-store')
  return reply.code(status).send({ error: 'invalid_request', error_description: ROUTER_ERRORS[err.code] ?? 'The request cannot be routed' })
}

async function errorHandler (app: FastifyInstance): Promise<void> {
  app.setErrorHandler(sendError)

  app.setNotFoundHandler((_request, reply) => {
    return reply.code(404).send({ error: 'not_found', error_description: 'Route not found' })
  })
}

export default fp(errorHandler, { name: 'keygate-error-handler', fastify: '5.x' })
