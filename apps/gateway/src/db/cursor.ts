// Opaque pagination cursors: a position in a monotonic sequence, base64url-encoded.

export function encodeCursor (position: bigint): string {
  return Buffer.from(position.toString()).toString('base64url')
}

// Positions are Postgres bigserials: above this, Postgres refuses the comparison.
const INT8_MAX = 9223372036854775807n

/** The position, or undefined when the cursor is not one of ours. */
export function decodeCursor (cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString()
  if (!/^\d{1,19}$/.test(text)) return undefined
  const position = BigInt(text)
  return position <= INT8_MAX ? position : undefined
}
