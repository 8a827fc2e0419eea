// GET /admin/verifiers: the verifiers listening for revocations (their heartbeats) and how far each has applied them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'
import { errors } from '../errors.ts'
import { NO_FANOUT } from '../revocation/verifiers.ts'
import { oauthErrors } from './schemas.ts'

const VerifierList = Type.Object({
  fanout: Type.Boolean({ description: 'false without Redis: nothing leaves the gateway, and no verifier reports' }),
  publishedSeq: Type.Union([Type.Integer(), Type.Null()], { description: 'the last revocation sequence published' }),
  items: Type.Array(Type.Object({
    id: Type.String(),
    heartbeatAt: Type.String(),
    appliedSeq: Type.Union([Type.Integer(), Type.Null()], { description: 'the last sequence it applied; null when it reported another epoch' }),
    current: Type.Boolean({ description: 'it has applied every published revocation' })
  }))
})

const adminVerifierRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAdmin)

  app.get('/admin/verifiers', {
    schema: { summary: 'Live verifiers, most recent heartbeat first', tags: ['admin'], security: [{ adminBearer: [] }], response: { 200: VerifierList, ...oauthErrors(401, 403, 429, 503) } }
  }, async (request) => {
    const fanout = app.revocationFanout
    if (!fanout) return NO_FANOUT
    try {
      return { fanout: true, ...await fanout.verifiers() }
    } catch (err) {
      request.log.warn({ err }, 'verifiers unavailable')
      throw new errors.KG_ERR_FANOUT_UNAVAILABLE()
    }
  })
}

export default adminVerifierRoutes
