// RFC 6750 §2.1: `Authorization: Bearer <b64token>`, the scheme in any case, one or more spaces before the token.
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i

/** The token of a Bearer header; undefined when the header is absent or not Bearer. */
export function bearerToken (authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined
  return BEARER.exec(authorization)?.[1]
}

/** Whether the header uses the Bearer scheme at all (well-formed or not). */
export function isBearer (authorization: string | undefined): boolean {
  return authorization !== undefined && /^bearer(?: |$)/i.test(authorization)
}
