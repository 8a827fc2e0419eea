// OpenAPI 3 generated from the route schemas: the document at /docs/json, the UI at /docs.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

const HTML_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer'
}

async function openapiPlugin (app: FastifyInstance, options: { issuer: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'keygate',
        version: '0.1.0',
        description: 'Exchanges long-lived API keys for short-lived JWTs (RFC 6749 client credentials, RFC 9068 access tokens).'
      },
      servers: [{ url: options.issuer }],
      components: {
        securitySchemes: {
          clientBasic: { type: 'http', scheme: 'basic', description: 'client_id = keyId, password = the API key' },
          adminBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token of this gateway with scope keygate:admin' }
        }
      }
    }
  })
  // The docs UI is the only HTML: its routes, and only they, say no framing, no foreign scripts, no referrer.
  await app.register(async (docs) => {
    docs.addHook('onSend', (_request, reply, payload, done) => {
      reply.headers(HTML_HEADERS)
      done(null, payload)
    })
    await docs.register(swaggerUi, { routePrefix: '/docs' })
  })
}

export default fp(openapiPlugin, { name: 'keygate-openapi', fastify: '5.x' })
