// Opaque pagination cursors: a position in a monotonic sequence, base64url-encoded.

export function encodeCursor (position: bigint): string {
  return Buffer.from(position.toString()).toString('base64url')
}

/** The position, or undefined when the cursor is not one of ours. */
export function decodeCursor (cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString()
  return /^\d{1,19}$/.test(text) ? BigInt(text) : undefined
}
