// Per-key IP allowlists: CIDR ranges (IPv4 and IPv6) validated on input, checked at exchange.
import { BlockList, isIP } from 'node:net'

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

function split (entry: string): { address: string, prefix: number, family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, ...rest] = entry.split('/')
  // node:net takes a zone (`fe80::1%eth0`); Postgres's inet does not, and a zone means nothing off-host.
  const version = address.includes('%') ? 0 : isIP(address)
  if (version === 0 || rest.length > 0) return undefined
  const max = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN
  if (!(prefix >= 0 && prefix <= max)) return undefined
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** `10.0.0.0/8`, `192.168.1.7`, `2001:db8::/32`, `::1`: an address with an optional prefix length. */
export function isValidCidr (entry: string): boolean {
  return entry.length <= 64 && split(entry) !== undefined
}

/** True when the list is empty (no restriction) or one of its ranges holds `ip`. */
export function isIpAllowed (allowlist: readonly string[], ip: string): boolean {
  if (allowlist.length === 0) return true
  const address = MAPPED_IPV4.exec(ip)?.[1] ?? ip
  const version = isIP(address)
  if (version === 0) return false
  const ranges = new BlockList()
  for (const entry of allowlist) {
    const range = split(entry)
    if (range) ranges.addSubnet(range.address, range.prefix, range.family)
  }
  return ranges.check(address, version === 4 ? 'ipv4' : 'ipv6')
}
