// RFC 6749 §3.2: "Parameters sent without a value MUST be treated as if they were omitted from the
// request." A preValidation hook for the OAuth endpoints, so that `audience=` or `client_id=` is absent,
// not an empty string the schema or the credentials check would refuse.
import type { FastifyRequest } from 'fastify'

export async function omitEmptyParameters (request: FastifyRequest): Promise<void> {
  const body = request.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return
  const params = body as Record<string, unknown>
  for (const [name, value] of Object.entries(params)) {
    if (value === '') delete params[name]
    else if (Array.isArray(value) && value.includes('')) params[name] = value.filter((v) => v !== '')
  }
}
