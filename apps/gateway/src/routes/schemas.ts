// Schemas shared by several routes: the RFC 6749 §5.2 error body.
import { Type } from '@fastify/type-provider-typebox'

export const OAuthError = Type.Object({
  error: Type.String({ examples: ['invalid_client'] }),
  error_description: Type.Optional(Type.String())
}, { $id: 'OAuthError', description: 'RFC 6749 §5.2 error' })

export const oauthErrors = (...statuses: number[]): Record<number, typeof OAuthError> =>
  Object.fromEntries(statuses.map((s) => [s, OAuthError]))
