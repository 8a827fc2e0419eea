// GET /admin/audit: the audit log, oldest first, filtered and paginated.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listAudit } from '../audit/store.ts'
import { decodeCursor, encodeCursor } from '../db/cursor.ts'
import { errors } from '../errors.ts'
import { AuditPage, AuditQuery } from './admin-schemas.ts'
import { oauthErrors } from './schemas.ts'

const adminAuditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAdmin)

  app.get('/admin/audit', {
    schema: { summary: 'Audit log of admin actions', tags: ['admin'], security: [{ adminBearer: [] }], querystring: AuditQuery, response: { 200: AuditPage, ...oauthErrors(400, 401, 403, 429) } }
  }, async (request) => {
    const { actor, action, target, limit = 100, cursor } = request.query
    const afterId = cursor === undefined ? undefined : decodeCursor(cursor)
    if (cursor !== undefined && afterId === undefined) throw new errors.KG_ERR_REQUEST_INVALID('querystring.cursor is not a cursor of this list')
    const page = await listAudit(app.db, { actor, action, target, limit, afterId })
    return {
      items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })),
      nextCursor: page.nextId === undefined ? null : encodeCursor(page.nextId)
    }
  })
}

export default adminAuditRoutes
