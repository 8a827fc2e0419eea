import { describe, expect, it } from 'vitest'
import { bearerToken, isBearer } from './bearer.ts'

describe('bearerToken', () => {
  it('takes the scheme in any case and one or more spaces before the token', () => {
    for (const header of ['Bearer abc.def-_~+/=', 'bearer abc.def-_~+/=', 'BEARER   abc.def-_~+/=', 'Bearer abc.def-_~+/=  ']) {
      expect(bearerToken(header), header).toBe('abc.def-_~+/=')
    }
  })

  it('refuses what is not a b64token after Bearer', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearerabc', 'Bearer a b', 'Bearer a\tb', 'Bearer =a', '\tBearer abc']) {
      expect(bearerToken(header), String(header)).toBeUndefined()
    }
  })

  it('tells a Bearer header from another scheme', () => {
    expect(isBearer('Bearer x')).toBe(true)
    expect(isBearer('bearer')).toBe(true)
    expect(isBearer('Basic eA==')).toBe(false)
    expect(isBearer('Bearerx')).toBe(false)
    expect(isBearer(undefined)).toBe(false)
  })
})
