import { describe, expect, it } from 'vitest'
import { isIpAllowed, isValidCidr } from './ip-allowlist.ts'

describe('isValidCidr', () => {
  it.each(['10.0.0.0/8', '192.168.1.7', '10.1.2.3/8', '2001:db8::/32', '::1', '0.0.0.0/0'])('accepts %s', (entry) => {
    expect(isValidCidr(entry)).toBe(true)
  })
  it.each(['', '10.0.0.0/33', '10.0.0/8', 'localhost', '2001:db8::/129', '10.0.0.0/8/1', '1.2.3.4/-1', '1.2.3.4/ 8', 'fe80::1%eth0', 'fe80::1%eth0/64'])('refuses %s', (entry) => {
    expect(isValidCidr(entry)).toBe(false)
  })
})

describe('isIpAllowed', () => {
  it('allows everything when the list is empty', () => {
    expect(isIpAllowed([], '203.0.113.9')).toBe(true)
  })
  it('checks IPv4 and IPv6 ranges, single addresses and IPv4-mapped IPv6', () => {
    const list = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']
    expect(isIpAllowed(list, '10.20.30.40')).toBe(true)
    expect(isIpAllowed(list, '::ffff:10.20.30.40')).toBe(true)
    expect(isIpAllowed(list, '192.168.1.7')).toBe(true)
    expect(isIpAllowed(list, '192.168.1.8')).toBe(false)
    expect(isIpAllowed(list, '2001:db8:1::5')).toBe(true)
    expect(isIpAllowed(list, '2001:db9::5')).toBe(false)
    expect(isIpAllowed(list, 'not-an-ip')).toBe(false)
  })
})
