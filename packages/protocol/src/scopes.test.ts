import { describe, expect, it } from 'vitest'
import { MAX_SCOPES, SCOPE_PATTERN, formatScope, isValidScopeList, missingScopes, parseScope } from './scopes.ts'

describe('parseScope', () => {
  it('splits on spaces, drops empty pieces and repeats, and keeps the order', () => {
    expect(parseScope('b a  b   c')).toEqual(['b', 'a', 'c'])
    expect(parseScope(' a ')).toEqual(['a'])
  })

  it('gives no scope for an absent or empty string', () => {
    expect(parseScope(undefined)).toEqual([])
    expect(parseScope('')).toEqual([])
    expect(parseScope('   ')).toEqual([])
  })

  it('splits on the space only (RFC 6749 §3.3), not on tabs or commas', () => {
    expect(parseScope('a\tb,c')).toEqual(['a\tb,c'])
  })
})

describe('formatScope', () => {
  it('joins with one space, and round-trips parseScope', () => {
    expect(formatScope(['a', 'b'])).toBe('a b')
    expect(formatScope([])).toBe('')
    expect(parseScope(formatScope(['x:y', 'z']))).toEqual(['x:y', 'z'])
  })
})

describe('isValidScopeList', () => {
  it('accepts printable ASCII scope tokens of 1 to 128 characters, up to MAX_SCOPES of them', () => {
    expect(isValidScopeList([])).toBe(true)
    expect(isValidScopeList(['orders:read', '!', '#', '[', ']', '~', 'a'.repeat(128)])).toBe(true)
    expect(isValidScopeList(Array.from({ length: MAX_SCOPES }, (_, i) => `s${i}`))).toBe(true)
  })

  it.each([
    ['one scope too many', Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `s${i}`)],
    ['an empty scope', ['']],
    ['a scope over 128 characters', ['a'.repeat(129)]],
    ['a space', ['a b']],
    ['a double quote', ['a"b']],
    ['a backslash', ['a\\b']],
    ['a control character', ['a\u0001']],
    ['DEL', ['a\u007f']],
    ['a non-ASCII character', ['café']],
    ['a NUL byte', ['a\u0000']],
    ['one bad scope among good ones', ['ok', 'o k']]
  ])('refuses %s', (_name, scopes) => {
    expect(isValidScopeList(scopes)).toBe(false)
  })

  it('is anchored: the pattern matches whole tokens only', () => {
    expect(SCOPE_PATTERN.test('good bad')).toBe(false)
    expect(SCOPE_PATTERN.test(' good')).toBe(false)
  })
})

describe('missingScopes', () => {
  it('lists what the request holds beyond the grant, in the order asked', () => {
    expect(missingScopes(['c', 'a', 'd'], ['a', 'b'])).toEqual(['c', 'd'])
    expect(missingScopes(['a'], ['a', 'b'])).toEqual([])
    expect(missingScopes([], [])).toEqual([])
    expect(missingScopes(['a'], [])).toEqual(['a'])
  })
})
