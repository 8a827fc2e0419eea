// The admin API for signing keys: list, rotate (planned), revoke (a leak: out of the JWKS and refused everywhere at once).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'
import { JWKS_MAX_AGE_SECONDS, SIGNING_ALGORITHMS } from '@keygate/protocol'
import { actorOf } from '../plugins/admin-auth.ts'
import { Propagated, WaitQuery } from './admin-schemas.ts'
import { oauthErrors } from './schemas.ts'

const security = [{ adminBearer: [] }]
const refusals = oauthErrors(400, 401, 403, 404, 429)

const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.String({ examples: ['EdDSA'] }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('retiring'), Type.Literal('retired'), Type.Literal('revoked')]),
  createdAt: Type.String(),
  activatesAt: Type.String(),
  retiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()])
})

const adminSigningKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAdmin)

  app.get('/admin/signing-keys', {
    schema: { summary: 'Signing keys, oldest first', tags: ['admin'], security, response: { 200: Type.Object({ items: Type.Array(SigningKey) }), ...refusals } }
  }, async () => ({ items: await app.signingKeys.list() }))

  app.post('/admin/signing-keys/rotate', {
    schema: {
      summary: 'Publish a new signing key now; it signs after activateInSeconds (default: the JWKS cache time)',
      tags: ['admin'],
      security,
      body: Type.Optional(Type.Object({
        activateInSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
        alg: Type.Optional(Type.Union(SIGNING_ALGORITHMS.map((a) => Type.Literal(a)), { description: 'the new key\'s algorithm; default KEYGATE_SIGNING_ALG' }))
      }, { additionalProperties: false })),
      response: { 201: Type.Object({ kid: Type.String(), alg: Type.String(), activatesAt: Type.String(), retiring: Type.Array(Type.String()) }), ...refusals }
    }
  }, async (request, reply) => {
    const rotated = await app.signingKeys.rotate(request.body?.activateInSeconds ?? JWKS_MAX_AGE_SECONDS, actorOf(request), request.body?.alg)
    return reply.code(201).send({ kid: rotated.kid, alg: rotated.alg, activatesAt: rotated.activatesAt.toISOString(), retiring: rotated.retiring })
  })

  app.post('/admin/signing-keys/:kid/revoke', {
    schema: {
      summary: 'Revoke a signing key: out of the JWKS at once, a fresh key signs, its tokens refused by every verifier and replica',
      tags: ['admin'],
      security,
      params: Type.Object({ kid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$' }) }),
      querystring: WaitQuery,
      response: {
        200: Type.Object({ kid: Type.String(), revoked: Type.Boolean(), replacement: Type.Optional(Type.String()), propagated: Type.Optional(Propagated) }),
        ...refusals
      }
    }
  }, async (request) => {
    const { outboxSeq, ...result } = await app.signingKeys.revoke(request.params.kid, actorOf(request))
    await app.signer.refresh()
    return { ...result, ...await app.reportPropagation(outboxSeq, request.query.wait === true) }
  })
}

export default adminSigningKeyRoutes
