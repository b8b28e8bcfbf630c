import { openSync, writeSync, closeSync, readFileSync, readdirSync, readlinkSync, unlinkSync, existsSync, constants } from 'node:fs'
import { resolve } from 'node:path'
import { PsstError } from '../errors.js'
import { readOnly } from './home.js'

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
    const text = readFileSync(file, 'utf8').trim()
    if (!/^\d{1,10}$/.test(text)) return null
    const pid = Number.parseInt(text, 10)
    return pid > 0 ? pid : null
  } catch {
    return null
  }
}

/**
 * Whether `pid` is the process that holds this lock file. A pid file outlives its process
 * (kill -9, a reboot), and the number is then reused by an unrelated process: signalling that
 * one, or refusing to start because of it, would be wrong. The holder keeps the lock file open
 * for as long as it holds the lock, so on Linux its open files say so exactly. Where /proc is
 * missing, only "the pid is alive" can be known.
 */
export function holdsLock (pid: number, file: string): boolean {
  if (pid === process.pid) return true
  if (!pidAlive(pid)) return false
  if (!existsSync('/proc/self/fd')) return true
  const want = resolve(file)
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    // Not ours to inspect (another user): not a daemon of this home, which runs as its owner.
    return false
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return true
    } catch {}
  }
  return false
}

/** The pid of the process holding this lock file, or null if nobody holds it. */
export function lockHolder (file: string): number | null {
  const pid = readLockPid(file)
  return pid !== null && holdsLock(pid, file) ? pid : null
}

export interface Lock { release (): void }

/**
 * Takes the profile's pid lock so only one process owns its LevelDB. A lock whose pid is not
 * its holder any more (a killed process, or a reused pid) is replaced; a live one is a
 * one-line error.
 */
export function acquireLock (file: string, home: string): Lock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
      try {
        writeSync(fd, String(process.pid))
      } catch (err) {
        closeSync(fd)
        try { unlinkSync(file) } catch {}
        throw err
      }
      // Kept open while the lock is held: that is how holdsLock() recognises the holder.
      return { release: () => { try { closeSync(fd) } catch {} releaseIfOurs(file) } }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw readOnly(code, home) ?? err
      const pid = readLockPid(file)
      if (pid !== null && pid !== process.pid && holdsLock(pid, file)) {
        throw new PsstError('PROFILE_IN_USE', `profile ${home} is in use by pid ${pid}; use that process (or stop it with: psst daemon stop)`)
      }
      try { unlinkSync(file) } catch (e) { const ro = readOnly((e as NodeJS.ErrnoException).code, home); if (ro !== null) throw ro }
    }
  }
  throw new PsstError('PROFILE_IN_USE', `profile ${home} is locked by ${file}; remove it if no psst process runs`)
}

function releaseIfOurs (file: string): void {
  if (readLockPid(file) === process.pid) {
    try { unlinkSync(file) } catch {}
  }
}
