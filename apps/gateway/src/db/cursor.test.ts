import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor } from './cursor.ts'

describe('cursors', () => {
  it('round-trips every bigserial position', () => {
    for (const position of [0n, 1n, 42n, 9223372036854775807n]) expect(decodeCursor(encodeCursor(position))).toBe(position)
  })

  it('refuses what is not a position Postgres can compare', () => {
    for (const text of ['9223372036854775808', '99999999999999999999', '-1', '1.5', '', 'abc']) {
      expect(decodeCursor(Buffer.from(text).toString('base64url')), text).toBeUndefined()
    }
  })
})
