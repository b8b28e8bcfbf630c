/**
 * Avatars (issue 17, item 5): a small PNG or JPEG sent to every friend as a file of kind avatar.
 * Its file id is its own hash, so a friend who already holds that picture skips the transfer, and
 * stored avatars are named by that id (`<home>/avatars/<id>.png`): one copy per picture, never
 * overwritten, and a name a peer cannot choose.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { blake2b256 } from '../crypto/hash.js'
import { PsstError } from '../errors.js'
import { FILE_ID_BYTES } from '../wire/files.js'

/** As in Tox (TOX_AVATAR_MAX_DATA_LENGTH): small enough to send to every friend at once. */
export const AVATAR_MAX_BYTES = 64 * 1024

export type AvatarFormat = 'png' | 'jpg'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const JPEG = Buffer.from([0xff, 0xd8, 0xff])

/** The format by its magic bytes (not by the name a peer chose), or null for anything else. */
export function avatarFormat (bytes: Uint8Array): AvatarFormat | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (b.byteLength >= PNG.length && b.subarray(0, PNG.length).equals(PNG)) return 'png'
  if (b.byteLength >= JPEG.length && b.subarray(0, JPEG.length).equals(JPEG)) return 'jpg'
  return null
}

/** The picture's file id: the first 16 bytes of its BLAKE2b-256. */
export function avatarId (bytes: Uint8Array): Buffer {
  return blake2b256(bytes).subarray(0, FILE_ID_BYTES)
}

/** Where an avatar with this id is (or would be) stored. */
export function avatarPath (dir: string, id: Buffer, format: AvatarFormat): string {
  return join(dir, `${id.toString('hex')}.${format}`)
}

/** The format a peer's offer names (`avatar.png`, `avatar.jpg`); the bytes are checked again once they arrived. */
export function formatOfName (name: string): AvatarFormat | null {
  const m = /\.(png|jpe?g)$/i.exec(name)
  if (m === null) return null
  return m[1].toLowerCase() === 'png' ? 'png' : 'jpg'
}

/** Reads a picture to use as my avatar: a clear usage error for a missing, large or non-image file. */
export async function readAvatar (path: string): Promise<{ bytes: Buffer, format: AvatarFormat }> {
  const st = await fs.stat(path).catch(() => null)
  if (st === null) throw PsstError.notFound(`no file at ${path}`)
  if (!st.isFile()) throw PsstError.usage(`${path} is not a regular file`)
  if (st.size > AVATAR_MAX_BYTES) throw PsstError.usage(`${path} is ${Math.ceil(st.size / 1024)} KiB; an avatar may be at most ${AVATAR_MAX_BYTES / 1024} KiB (scale it down, e.g. to 256×256)`)
  const bytes = await fs.readFile(path)
  if (bytes.byteLength > AVATAR_MAX_BYTES) throw PsstError.usage(`${path} grew past ${AVATAR_MAX_BYTES / 1024} KiB while it was read`)
  const format = avatarFormat(bytes)
  if (format === null) throw PsstError.usage(`${path} is not a PNG or JPEG image; an avatar must be one of those`)
  return { bytes, format }
}

/** Whether a finished avatar file really is the picture its id names. */
export async function isGoodAvatar (path: string, id: Buffer): Promise<boolean> {
  const bytes = await fs.readFile(path).catch(() => null)
  return bytes !== null && bytes.byteLength <= AVATAR_MAX_BYTES && avatarFormat(bytes) !== null && avatarId(bytes).equals(id)
}
