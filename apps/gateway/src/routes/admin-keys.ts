// The admin API for keys and owners: every route needs a keygate:admin token and is rate limited.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { decodeCursor, encodeCursor } from '../db/cursor.ts'
import { errors } from '../errors.ts'
import { isValidCidr } from '../keys/ip-allowlist.ts'
import { type ClientKeyAlgorithm, type ClientPublicKey, type GeneratedKeyPair, generateClientKeyPair, parsePublicKey } from '../keys/public-keys.ts'
import { type ApiKeyRecord, findKey, listKeys } from '../keys/store.ts'
import { viewKey } from '../keys/view.ts'
import { actorOf } from '../plugins/admin-auth.ts'
import {
  CreateKeyBody, CreatedKey, KeyIdParams, KeyPage, KeyRecord, KeyRecordWithPropagation, ListKeysQuery, OwnerParams, Propagated,
  ReasonBody, RotateBody, UpdateKeyBody, WaitQuery
} from './admin-schemas.ts'
import { oauthErrors } from './schemas.ts'
import { Type } from '@fastify/type-provider-typebox'

const security = [{ adminBearer: [] }]
const refusals = oauthErrors(400, 401, 403, 404, 409, 429)

function checkAllowlist (list: string[] | undefined): string[] | undefined {
  const bad = list?.find((entry) => !isValidCidr(entry))
  if (bad !== undefined) throw new errors.KG_ERR_REQUEST_INVALID(`body.ipAllowlist holds an invalid address or range: ${bad.slice(0, 64)}`)
  return list
}

function toDate (value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : new Date(value)
}

function cursorPosition (cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined
  const position = decodeCursor(cursor)
  if (position === undefined) throw new errors.KG_ERR_REQUEST_INVALID('querystring.cursor is not a cursor of this list')
  return position
}

/**
 * The keypair credential a body asks for: its public key, or a generated pair (with `generate`, one is
 * generated when the body names none). Undefined for a secret key.
 */
function keypairOf (body: { publicKey?: unknown, keyPair?: { alg: ClientKeyAlgorithm } }, generate?: ClientKeyAlgorithm): { publicKey: ClientPublicKey, privateKey?: GeneratedKeyPair['privateKey'] } | undefined {
  if (body.publicKey !== undefined && body.keyPair !== undefined) throw new errors.KG_ERR_REQUEST_INVALID('body.publicKey and body.keyPair: give one')
  if (body.publicKey !== undefined) return { publicKey: parsePublicKey(body.publicKey) }
  const alg = body.keyPair?.alg ?? generate
  return alg === undefined ? undefined : generateClientKeyPair(alg)
}

// What a creation answers, once: the secret key, or the generated private key, beside the record.
function createdView (key: string, record: ApiKeyRecord, privateKey: GeneratedKeyPair['privateKey'] | undefined) {
  return { ...(key === '' ? {} : { key }), ...(privateKey ? { privateKey } : {}), ...viewKey(record) }
}

const adminKeyRoutes: FastifyPluginAsyncTypebox<{ keyPrefix: string }> = async (app, options) => {
  app.addHook('onRequest', app.requireAdmin)
  const testPrefix = options.keyPrefix.replace(/_[a-z0-9]+$/, '_test')
  const propagation = (outboxSeq: string | undefined, wait: boolean | undefined) => app.reportPropagation(outboxSeq, wait === true)

  app.post('/admin/keys', {
    schema: { summary: 'Create a key; the full key is in the response this once', tags: ['admin'], security, body: CreateKeyBody, response: { 201: CreatedKey, ...refusals } }
  }, async (request, reply) => {
    const body = request.body
    const credential = keypairOf(body)
    const created = await app.keyAdmin.create({
      name: body.name,
      owner: body.owner,
      scopes: body.scopes,
      audiences: body.audiences ?? [],
      ipAllowlist: checkAllowlist(body.ipAllowlist) ?? [],
      metadata: body.metadata ?? {},
      expiresAt: toDate(body.expiresAt) ?? null,
      prefix: body.environment === 'test' ? testPrefix : options.keyPrefix,
      ...(credential ? { publicKey: credential.publicKey } : {})
    }, actorOf(request))
    reply.header('cache-control', 'no-store')
    return reply.code(201).send(createdView(created.key, created.record, credential?.privateKey))
  })

  app.get('/admin/keys', {
    schema: { summary: 'List keys, oldest first, with cursor pagination', tags: ['admin'], security, querystring: ListKeysQuery, response: { 200: KeyPage, ...refusals } }
  }, async (request) => {
    const { owner, environment, state, limit = 100, cursor } = request.query
    const page = await listKeys(app.db, { owner, environment, state, limit, afterSeq: cursorPosition(cursor) })
    return { items: page.items.map(viewKey), nextCursor: page.nextSeq === undefined ? null : encodeCursor(page.nextSeq) }
  })

  app.get('/admin/keys/:keyId', {
    schema: { summary: 'One key', tags: ['admin'], security, params: KeyIdParams, response: { 200: KeyRecord, ...refusals } }
  }, async (request) => {
    const record = await findKey(app.db, request.params.keyId)
    if (!record) throw new errors.KG_ERR_NOT_FOUND(`key ${request.params.keyId}`)
    return viewKey(record)
  })

  app.patch('/admin/keys/:keyId', {
    schema: {
      summary: 'Change name, scopes, audiences, IP allowlist, expiry or metadata; taking a scope or audience away revokes the key\'s outstanding tokens',
      tags: ['admin'],
      security,
      params: KeyIdParams,
      querystring: WaitQuery,
      body: UpdateKeyBody,
      response: { 200: KeyRecordWithPropagation, ...refusals }
    }
  }, async (request) => {
    const body = request.body
    const result = await app.keyAdmin.update(request.params.keyId, {
      name: body.name,
      scopes: body.scopes,
      audiences: body.audiences,
      ipAllowlist: checkAllowlist(body.ipAllowlist),
      expiresAt: toDate(body.expiresAt),
      metadata: body.metadata
    }, actorOf(request))
    return { ...viewKey(result.record), ...await propagation(result.outboxSeq, request.query.wait) }
  })

  for (const action of ['revoke', 'disable', 'enable'] as const) {
    app.post(`/admin/keys/:keyId/${action}`, {
      schema: {
        summary: {
          revoke: 'Revoke a key and every token minted from it (final, idempotent)',
          disable: 'Disable a key and revoke its tokens (reversible)',
          enable: 'Enable a disabled key'
        }[action],
        tags: ['admin'],
        security,
        params: KeyIdParams,
        querystring: WaitQuery,
        ...(action === 'revoke' ? { body: Type.Optional(ReasonBody) } : {}),
        response: { 200: KeyRecordWithPropagation, ...refusals }
      }
    }, async (request) => {
      const { keyId } = request.params
      const actor = actorOf(request)
      const result = action === 'revoke'
        ? await app.keyAdmin.revoke(keyId, (request.body as { reason?: string } | undefined)?.reason, actor)
        : await app.keyAdmin[action](keyId, actor)
      return { ...viewKey(result.record), ...await propagation(result.outboxSeq, request.query.wait) }
    })
  }

  app.post('/admin/keys/:keyId/rotate', {
    schema: { summary: 'Replace a key: the new one is shown once; the old one works until the grace period ends', tags: ['admin'], security, params: KeyIdParams, body: Type.Optional(RotateBody), response: { 201: CreatedKey, ...refusals } }
  }, async (request, reply) => {
    const body = request.body ?? {}
    const grace = body.gracePeriodSeconds ?? 0
    const current = await findKey(app.db, request.params.keyId)
    if (!current) throw new errors.KG_ERR_NOT_FOUND(`key ${request.params.keyId}`)
    // A keypair key rotates to the public key given, or to a pair generated like its newest one.
    const next = current.credential === 'keypair' ? keypairOf(body, current.publicKeys.at(-1)?.alg ?? 'EdDSA') : keypairOf(body)
    const created = await app.keyAdmin.rotate(request.params.keyId, grace, actorOf(request), next?.publicKey)
    reply.header('cache-control', 'no-store')
    return reply.code(201).send(createdView(created.key, created.record, next?.privateKey))
  })

  app.post('/admin/owners/:owner/revoke', {
    schema: {
      summary: 'Revoke every key of an owner',
      tags: ['admin'],
      security,
      params: OwnerParams,
      querystring: WaitQuery,
      body: Type.Optional(ReasonBody),
      response: { 200: Type.Object({ owner: Type.String(), revoked: Type.Array(Type.String()), propagated: Type.Optional(Propagated) }), ...refusals }
    }
  }, async (request) => {
    const { revoked, outboxSeq } = await app.keyAdmin.revokeOwner(request.params.owner, request.body?.reason, actorOf(request))
    return { owner: request.params.owner, revoked, ...await propagation(outboxSeq, request.query.wait) }
  })
}

export default adminKeyRoutes
