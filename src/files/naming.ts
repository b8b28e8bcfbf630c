/**
 * Where a received file lands. The name in an offer is a peer's text: it is never used as a path as
 * it is. It becomes one plain file name (no separators, no dot-only names, no control or bidi
 * characters, no leading dots that would hide it), and an existing name gets a suffix: nothing on
 * disk is ever overwritten.
 */
import { homedir } from 'node:os'
import { join, extname } from 'node:path'
import { promises as fs, constants } from 'node:fs'

/** Room left under NAME_MAX (255 bytes) for a " (99)" suffix and ".part". */
const MAX_SAFE_NAME_BYTES = 200
const FALLBACK_NAME = 'file'
const MAX_SUFFIX = 9999
export const PART_SUFFIX = '.part'

// C0, DEL, C1, bidi embeddings/overrides/isolates, zero-width and BOM, line/paragraph separators.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu // eslint-disable-line no-control-regex

/** One safe file name for an untrusted `name` (never empty, never a path). */
export function safeFileName (name: string): string {
  let s = String(name).normalize('NFC')
  s = s.replace(/[/\\]/g, '_').replace(UNSAFE_CHARS, '')
  s = s.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '')
  if (s === '') s = FALLBACK_NAME
  return truncateKeepingExtension(s, MAX_SAFE_NAME_BYTES)
}

function truncateKeepingExtension (name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name
  const ext = extname(name)
  const keepExt = ext.length > 1 && Buffer.byteLength(ext) <= 16 ? ext : ''
  const stem = truncateUtf8(name.slice(0, name.length - keepExt.length), maxBytes - Buffer.byteLength(keepExt))
  return stem + keepExt
}

/** Cuts at a code point boundary so the result stays valid UTF-8. */
function truncateUtf8 (s: string, maxBytes: number): string {
  let out = ''
  let bytes = 0
  for (const ch of s) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > maxBytes) break
    out += ch
    bytes += n
  }
  return out
}

/** `name`, `name (1).ext`, `name (2).ext`, … */
export function suffixed (name: string, n: number): string {
  if (n === 0) return name
  const ext = extname(name)
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`
}

/** `--to`, else $XDG_DOWNLOAD_DIR/psst, else ~/Downloads/psst. */
export function downloadDir (to?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (to !== undefined && to !== null && to !== '') return to
  const xdg = env.XDG_DOWNLOAD_DIR
  if (xdg !== undefined && xdg !== '') return join(xdg, 'psst')
  return join(env.HOME ?? homedir(), 'Downloads', 'psst')
}

export interface Reserved {
  /** Where the finished file will go (free when reserved; checked again at the rename). */
  dest: string
  /** `<dest>.part`, created empty and exclusively by the reservation. */
  part: string
}

/**
 * Picks the first free `name (n)` in `dir` whose `.part` can be created exclusively, so two
 * transfers of the same name never share a part file and an existing file is never touched.
 */
export async function reserveDestination (dir: string, untrustedName: string): Promise<Reserved> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  const base = safeFileName(untrustedName)
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const dest = join(dir, suffixed(base, n))
    if (await exists(dest)) continue
    const part = dest + PART_SUFFIX
    try {
      const fh = await fs.open(part, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
      await fh.close()
      return { dest, part }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw err
    }
  }
  throw new Error(`no free name for ${base} in ${dir}: more than ${MAX_SUFFIX} files of that name`)
}

/**
 * Moves the finished part file to its name without ever replacing a file: link(2) fails on an
 * existing name, so a file that appeared meanwhile pushes this one to the next suffix.
 */
export async function placeFinished (part: string, dest: string): Promise<string> {
  const dir = join(dest, '..')
  const base = dest.slice(dir.length + 1)
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const target = join(dir, suffixed(base, n))
    try {
      await fs.link(part, target)
      await fs.unlink(part)
      return target
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw err
    }
  }
  throw new Error(`no free name for ${base} in ${dir}`)
}

async function exists (path: string): Promise<boolean> {
  try {
    await fs.lstat(path)
    return true
  } catch {
    return false
  }
}
