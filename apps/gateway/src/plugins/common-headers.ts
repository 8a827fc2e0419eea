// The headers every response carries: its request id (to find its log line) and no MIME sniffing.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/**
 * Name, value, name, value, appended to `into`: Node's flat form, which the error handler's direct refusals
 * write as they are.
 */
export function commonHeaders (requestId: string, into: string[] = []): string[] {
  into.push('x-request-id', requestId, 'x-content-type-options', 'nosniff')
  return into
}

async function commonHeadersPlugin (app: FastifyInstance): Promise<void> {
  // Callback-style: this runs for every response, and a promise per response shows under a flood.
  app.addHook('onSend', (request, reply, payload, done) => {
    const headers = commonHeaders(request.id)
    for (let i = 0; i < headers.length; i += 2) reply.header(headers[i] as string, headers[i + 1])
    done(null, payload)
  })
}

export default fp(commonHeadersPlugin, { name: 'keygate-common-headers', fastify: '5.x' })
