import { PsstError } from '../errors.js'

/** errno codes that mean "the disk has no room", not "the data is bad". */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT'])

/** True for an error (or a LevelDB error wrapping one) caused by a full disk or quota. */
export function isDiskFull (err: unknown): boolean {
  if (err instanceof PsstError) return err.code === 'DISK_FULL'
  for (let e = err as { code?: unknown, message?: unknown, cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && FULL_CODES.has(e.code)) return true
    // LevelDB reports its own I/O errors as text ("IO error: ... No space left on device").
    if (typeof e.message === 'string' && /No space left on device|ENOSPC|Disk quota exceeded/i.test(e.message)) return true
  }
  return false
}

/** A storage failure as the one-line error people get: disk full said plainly, else STORE_FAILED. */
export function storeError (err: unknown, what: string): PsstError {
  if (err instanceof PsstError) return err
  if (isDiskFull(err)) return new PsstError('DISK_FULL', `disk full: ${what}; free some space (psst resumes by itself)`)
  return new PsstError('STORE_FAILED', `${what}: ${(err as Error).message}`)
}
