import { describe, expect, it } from 'vitest'
import { pinnedTickObject } from './tick-shape.ts'

describe('the pinned tick object', () => {
  it('is one of Node\'s own process.nextTick objects', () => {
    expect(typeof pinnedTickObject?.callback).toBe('function')
    // Node's tick objects carry their async ids under symbols of its own.
    expect(Object.getOwnPropertySymbols(pinnedTickObject ?? {}).map(String)).toEqual(expect.arrayContaining(['Symbol(async_id_symbol)', 'Symbol(trigger_async_id_symbol)']))
  })
})
