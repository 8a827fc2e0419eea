// The baseline of the cold exchange: a bare Fastify route taking the same POST, that runs only what Argon2
// costs the gateway: argon2.verify at the gateway's parameters, behind the same number of hashing slots, in a
// process with the same libuv pool. The cold exchange can only be slower than this.
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import argon2 from 'argon2'

const SLOTS = Number(process.env.KEYGATE_MAX_CONCURRENT_HASHES ?? 2)
const SECRET = 'benchmark-secret-benchmark-secret-benchmark'
const hash = await argon2.hash(SECRET, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 })

// At most SLOTS verifications at once; the rest wait in order, as in the gateway's work limiter.
let running = 0
const waiting: Array<() => void> = []
async function inSlot<T> (work: () => Promise<T>): Promise<T> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await work()
  } finally {
    running--
    waiting.shift()?.()
  }
}

const app = Fastify({ logger: false })
await app.register(formbody)
app.get('/healthz', async () => ({ status: 'ok' }))
app.post('/oauth/token', async (_request, reply) => {
  if (!await inSlot(() => argon2.verify(hash, SECRET))) return reply.code(401).send({ error: 'invalid_client' })
  return { access_token: 'x', token_type: 'Bearer', expires_in: 300 }
})
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
