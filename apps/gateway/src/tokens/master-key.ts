// The master key that encrypts signing keys at rest: from KEYGATE_MASTER_KEY, or generated once into DATA_DIR.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const MASTER_KEY_FILE = 'master.key'

export interface MasterKeySource {
  masterKey: string | undefined
  dataDir: string
}

/** The 32-byte key; `onGenerated` is told when a new one was written to disk. */
export async function resolveMasterKey (source: MasterKeySource, onGenerated: (path: string) => void): Promise<Buffer> {
  if (source.masterKey !== undefined) return Buffer.from(source.masterKey, 'base64')
  const file = join(source.dataDir, MASTER_KEY_FILE)
  try {
    return decode(await readFile(file, 'utf8'), file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await mkdir(source.dataDir, { recursive: true, mode: 0o700 })
  const key = randomBytes(32)
  try {
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return decode(await readFile(file, 'utf8'), file)
    throw err
  }
  onGenerated(file)
  return key
}

function decode (text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`)
  return key
}
