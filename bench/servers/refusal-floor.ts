// The floor of the flood benchmark: about the least a Fastify route can do to refuse the malformed-key
// request. It parses the form body as the gateway does, validates it against the same field limits with
// Fastify's default validator (Ajv; the gateway's token route uses TypeBox's, some 3.7 k instructions
// cheaper) and answers the same 401; nothing else (no request ids, headers, logs or metrics).
// With the gateway's fix for V8's start effect (see tick-shape.ts), so that every server is compared at its best.
import '@keygate/gateway/tick-shape'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'

const app = Fastify({ logger: false })
await app.register(formbody)
const body = {
  type: 'object',
  properties: {
    grant_type: { type: 'string', maxLength: 64 },
    client_id: { type: 'string', maxLength: 128 },
    client_secret: { type: 'string', maxLength: 512 },
    scope: { type: 'string', maxLength: 4096 },
    audience: { type: 'string', maxLength: 512 }
  }
}
const refusal = '{"error":"invalid_client","error_description":"Client authentication failed"}'
app.get('/healthz', async () => ({ status: 'ok' }))
app.post('/oauth/token', { schema: { body } }, async (_request, reply) => {
  reply.code(401).header('www-authenticate', 'Basic realm="keygate", charset="UTF-8"').type('application/json; charset=utf-8')
  return refusal
})
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
