import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openPrivateKey, sealPrivateKey } from './sealed-key.ts'

describe('sealed private keys', () => {
  const master = randomBytes(32)
  const der = randomBytes(48)

  it('opens what it sealed, and the sealed bytes do not contain the key', () => {
    const sealed = sealPrivateKey(master, 'kid-1', der)
    expect(sealed.includes(der)).toBe(false)
    expect(openPrivateKey(master, 'kid-1', sealed)).toEqual(der)
  })

  it('refuses another master key, another kid and a changed byte', () => {
    const sealed = sealPrivateKey(master, 'kid-1', der)
    expect(() => openPrivateKey(randomBytes(32), 'kid-1', sealed)).toThrow()
    expect(() => openPrivateKey(master, 'kid-2', sealed)).toThrow()
    const changed = Buffer.from(sealed)
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1
    expect(() => openPrivateKey(master, 'kid-1', changed)).toThrow()
  })
})
