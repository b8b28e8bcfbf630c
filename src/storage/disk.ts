import { statfsSync } from 'node:fs'
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

/** Free bytes on the file system holding `dir` (for an unprivileged process), or null if unknown. */
export function freeBytes (dir: string): number | null {
  try {
    const s = statfsSync(dir)
    return s.bavail * s.bsize
  } catch {
    return null
  }
}

/**
 * Space the store never writes into: LevelDB must always find room for its log, a compaction
 * and its recovery at open. A LevelDB that hits ENOSPC mid-recovery was seen to come back
 * with most of a history missing, so psst stops writing while that room is still there.
 * 1/16 of the file system, at least 256 KiB and at most 64 MiB.
 */
export function reserveFor (dir: string): number {
  try {
    const s = statfsSync(dir)
    return Math.min(64 * 1024 * 1024, Math.max(256 * 1024, Math.floor(s.blocks * s.bsize / 16)))
  } catch {
    return 256 * 1024
  }
}

/** How often, at most, free space is looked at again while little is written (a statfs is ~40 µs). */
const RECHECK_MS = 250

/**
 * Refuses writes that would eat into the reserve, cheaply: statfs is asked again only after a
 * good part of the slack it reported has been written, or after RECHECK_MS (other programs
 * fill disks too).
 */
export class SpaceWatch {
  readonly #dir: string
  readonly reserve: number
  #slack = 0
  #written = 0
  #checkedAt = 0

  constructor (dir: string) {
    this.#dir = dir
    this.reserve = reserveFor(dir)
  }

  /** Throws DISK_FULL if `bytes` more would leave less than the reserve free. */
  check (bytes: number, now = Date.now()): void {
    this.#written += bytes
    if (this.#written * 2 < this.#slack && now - this.#checkedAt < RECHECK_MS) return
    const free = freeBytes(this.#dir)
    this.#checkedAt = now
    this.#written = bytes
    this.#slack = free === null ? Infinity : free - this.reserve
    if (this.#slack < bytes) {
      this.#slack = 0
      throw new PsstError('DISK_FULL', `disk full: less than ${mib(this.reserve)} free on the disk of ${this.#dir}; nothing was stored; free some space (psst resumes by itself)`)
    }
  }

  /** True when at least `bytes` beyond the reserve are free. */
  hasRoom (bytes: number): boolean {
    const free = freeBytes(this.#dir)
    this.#checkedAt = 0
    return free === null || free - this.reserve >= bytes
  }
}

export const mib = (n: number): string => `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MiB`
