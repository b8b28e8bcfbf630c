import { openSync, writeSync, closeSync, readFileSync, unlinkSync, constants } from 'node:fs'
import { PsstError } from '../errors.js'

/**
 * True if a process with this pid runs. A killed daemon whose parent has not reaped it yet is a
 * zombie: signal 0 still finds it, so /proc tells it apart (it holds no lock any more).
 */
export function pidAlive (pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

function isZombie (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return false
  }
}

export function readLockPid (file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
    return Number.isInteger(pid) ? pid : null
  } catch {
    return null
  }
}

export interface Lock { release (): void }

/**
 * Takes the profile's pid lock so only one process owns its LevelDB. A lock left by a
 * killed process (pid no longer alive) is replaced; a live one is a one-line error.
 */
export function acquireLock (file: string, home: string): Lock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return { release: () => releaseIfOurs(file) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = readLockPid(file)
      if (pid !== null && pid !== process.pid && pidAlive(pid)) {
        throw new PsstError('PROFILE_IN_USE', `profile ${home} is in use by pid ${pid}; use that process (or stop it with: psst daemon stop)`)
      }
      try { unlinkSync(file) } catch {}
    }
  }
  throw new PsstError('PROFILE_IN_USE', `profile ${home} is locked by ${file}; remove it if no psst process runs`)
}

function releaseIfOurs (file: string): void {
  if (readLockPid(file) === process.pid) {
    try { unlinkSync(file) } catch {}
  }
}
