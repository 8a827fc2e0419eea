// The headers every response carries: its request id (to find its log line) and no MIME sniffing.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

async function commonHeadersPlugin (app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff')
  })
}

export default fp(commonHeadersPlugin, { name: 'keygate-common-headers', fastify: '5.x' })
