// OpenAPI 3 generated from the route schemas: the document at /docs/json, the UI at /docs.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

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
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

export default fp(openapiPlugin, { name: 'keygate-openapi', fastify: '5.x' })
