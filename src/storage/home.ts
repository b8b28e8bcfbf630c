import { mkdirSync, chmodSync, existsSync, statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PsstError } from '../errors.js'

/** Where a profile lives: --home, then PSST_HOME, then $XDG_DATA_HOME/psst, then ~/.local/share/psst. */
export function resolveHome (explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit)
  if (env.PSST_HOME) return resolve(env.PSST_HOME)
  return defaultHome(env)
}

/** The profile used when neither --home nor PSST_HOME names one. */
export function defaultHome (env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_DATA_HOME) return resolve(env.XDG_DATA_HOME, 'psst')
  return join(homedir(), '.local', 'share', 'psst')
}

/** Creates the folder readable by its owner only (0700), also when it already existed. */
export function ensurePrivateDir (dir: string): void {
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
  } catch (err) {
    throw readOnly((err as NodeJS.ErrnoException).code, dir) ?? err
  }
}

/** A folder psst cannot write to is said as such, not as a lock held by someone else. */
export function readOnly (code: string | undefined, home: string): PsstError | null {
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return null
  const why = code === 'EROFS' ? 'it is on a read-only file system' : 'permission denied'
  return new PsstError('READ_ONLY', `cannot write in ${home} (${why}): psst keeps its lock, database and socket there; make it writable, or copy it and use --home <copy>`)
}


/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107

/**
 * Runtime files follow XDG for the default profile: the socket in $XDG_RUNTIME_DIR/psst (a tmpfs
 * cleaned at logout, where systemd user services expect it), the log in $XDG_STATE_HOME/psst. A
 * profile named by --home or PSST_HOME keeps everything in its folder, like gpg's --homedir, so
 * two profiles never share a file. A socket path too long for a unix socket moves to a short
 * per-user folder, named after the home.
 */
function runtimeDir (home: string, env: NodeJS.ProcessEnv): string | null {
  const dir = env.XDG_RUNTIME_DIR
  if (dir === undefined || dir === '' || home !== defaultHome(env)) return null
  try { return statSync(dir).isDirectory() ? join(dir, 'psst') : null } catch { return null }
}

function socketPath (home: string, env: NodeJS.ProcessEnv = process.env): string {
  const runtime = runtimeDir(home, env)
  if (runtime !== null && join(runtime, 'control.sock').length <= MAX_SOCKET_PATH) return join(runtime, 'control.sock')
  const inHome = join(home, 'control.sock')
  if (inHome.length <= MAX_SOCKET_PATH) return inHome
  const uid = process.getuid?.() ?? 0
  return join(tmpdir(), `psst-${uid}`, `${createHash('sha256').update(home).digest('hex').slice(0, 16)}.sock`)
}

function logPath (home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (home !== defaultHome(env)) return join(home, 'daemon.log')
  const state = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? resolve(env.XDG_STATE_HOME) : join(homedir(), '.local', 'state')
  return join(state, 'psst', 'daemon.log')
}

export const paths = {
  db: (home: string) => join(home, 'db'),
  journal: (home: string) => join(home, 'db.journal'),
  header: (home: string) => join(home, 'profile.header'),
  lock: (home: string) => join(home, 'daemon.pid'),
  /** Where the daemon listens. */
  socket: socketPath,
  /**
   * `<home>/control.sock`: the socket itself, or a link to it when it lives elsewhere, so a client
   * whose environment differs from the daemon's (no XDG_RUNTIME_DIR under cron) still finds it.
   */
  socketLink: (home: string) => join(home, 'control.sock'),
  log: logPath,
  /** The systemd user unit of a profile's daemon. */
  unitDir: (env: NodeJS.ProcessEnv = process.env) => join(env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? resolve(env.XDG_CONFIG_HOME) : join(homedir(), '.config'), 'systemd', 'user')
}

/** The sockets a client tries, in order: where this environment puts it, then the home's link. */
export function socketCandidates (home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const main = socketPath(home, env)
  const link = join(home, 'control.sock')
  return main === link ? [main] : [main, link]
}
