import { mkdirSync, chmodSync, existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Where a profile lives: --home, then PSST_HOME, then $XDG_DATA_HOME/psst, then ~/.local/share/psst. */
export function resolveHome (explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit)
  if (env.PSST_HOME) return resolve(env.PSST_HOME)
  if (env.XDG_DATA_HOME) return resolve(env.XDG_DATA_HOME, 'psst')
  return join(homedir(), '.local', 'share', 'psst')
}

/** Creates the folder readable by its owner only (0700), also when it already existed. */
export function ensurePrivateDir (dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}

export const paths = {
  db: (home: string) => join(home, 'db'),
  journal: (home: string) => join(home, 'db.journal'),
  header: (home: string) => join(home, 'profile.header'),
  lock: (home: string) => join(home, 'daemon.pid'),
  socket: (home: string) => join(home, 'control.sock'),
  log: (home: string) => join(home, 'daemon.log')
}
