// The reference "hello" server of the flood benchmark: Fastify with nothing but a hello route, GET and POST,
// so that the flood's rate is compared with a hello route receiving the very same request.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
const hello = { hello: 'world' }
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
app.get('/healthz', async () => hello)
app.post('/hello', async () => hello)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
