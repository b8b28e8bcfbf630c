/**
 * A real small tmpfs for disk-full tests (we run as root in CI). Elsewhere the test is skipped
 * with the reason printed; under CI=true a missing tmpfs is a failure, not a skip.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, existsSync, openSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Tmpfs {
  dir: string
  /** Writes a file of filler until the disk refuses (or `bytes` are written); returns its size. */
  fill (name: string, bytes?: number): number
  /** Removes a filler file: the space returns. */
  free (name: string): void
  unmount (): void
}

/** Why a tmpfs cannot be had here, or null if it can. */
export function tmpfsUnavailable (): string | null {
  if (process.platform !== 'linux') return `disk-full tests need Linux tmpfs (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'disk-full tests mount a tmpfs and need root (CI runs them as root)'
  return null
}

export function mountTmpfs (sizeMiB: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'psst-tmpfs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir])
  return {
    dir,
    fill (name, bytes = Infinity) {
      const fd = openSync(join(dir, name), 'a')
      const chunk = Buffer.alloc(16 * 1024, 0x5a)
      let written = 0
      try {
        while (written < bytes) written += writeSync(fd, chunk, 0, Math.min(chunk.byteLength, bytes - written))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
      } finally {
        closeSync(fd)
      }
      return written
    },
    free (name) {
      if (existsSync(join(dir, name))) unlinkSync(join(dir, name))
    },
    unmount () {
      try { execFileSync('umount', ['-l', dir]) } catch {}
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Writes `text` to a file on the tmpfs, for checks that the disk is writable again. */
export function canWrite (dir: string, bytes: number): boolean {
  try {
    writeFileSync(join(dir, '.probe'), Buffer.alloc(bytes))
    unlinkSync(join(dir, '.probe'))
    return true
  } catch {
    return false
  }
}
