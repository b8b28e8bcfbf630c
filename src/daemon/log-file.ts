/**
 * The detached daemon's log: one timestamped line per event, kept under a size bound by moving a
 * full file to `<log>.1` (the one before is dropped), as logrotate's `size` + `rotate 1` would.
 * The daemon logs a few lines an hour, so each line is appended synchronously: nothing is lost
 * when the process dies right after.
 */
import { appendFileSync, openSync, renameSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { ensurePrivateDir } from '../storage/home.js'

export const LOG_MAX_BYTES = 1024 * 1024

/** Moves the log aside when it has reached `max` bytes. */
export function rotateIfFull (path: string, max = LOG_MAX_BYTES): void {
  let size = 0
  try { size = statSync(path).size } catch { return }
  if (size >= max) renameSync(path, path + '.1')
}

/** Opens the log for appending (0600, its folder 0700), rotated first if full; for a child's stdio. */
export function openLogFd (path: string, max = LOG_MAX_BYTES): number {
  ensurePrivateDir(dirname(path))
  rotateIfFull(path, max)
  return openSync(path, 'a', 0o600)
}

export function fileLogger (path: string, max = LOG_MAX_BYTES): (line: string) => void {
  ensurePrivateDir(dirname(path))
  let size = -1
  return (line: string) => {
    const text = `${new Date().toISOString()} ${line}\n`
    try {
      if (size < 0) { try { size = statSync(path).size } catch { size = 0 } }
      if (size + text.length > max) { rotateIfFull(path, 0); size = 0 }
      appendFileSync(path, text, { mode: 0o600 })
      size += Buffer.byteLength(text)
    } catch {
      // A full or read-only disk must not stop the daemon over a log line.
    }
  }
}
