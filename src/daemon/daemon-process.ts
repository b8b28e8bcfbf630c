import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, readFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { paths, ensurePrivateDir, socketCandidates } from '../storage/home.js'
import { openLogFd } from './log-file.js'
import { holdsLock, lockHolder, pidAlive } from '../storage/lock.js'
import { waitForDaemon, trySocketOf, SocketClient } from './control-client.js'
import type { DaemonStatus } from './api.js'
import { PsstError } from '../errors.js'

/** The built CLI entry point, which `psst daemon` runs in the child. */
export const BIN_PATH = fileURLToPath(new URL('../apps/cli/bin.js', import.meta.url))

export interface DetachedOptions { home: string, passphrase: string | null, bootstrap?: string, dhtHost?: string, lan?: false }

/** Starts `psst daemon` as a detached child logging to the profile's log; does not wait for it. */
export function spawnDaemon (opts: DetachedOptions): ChildProcess {
  ensurePrivateDir(opts.home)
  const logFd = openLogFd(paths.log(opts.home))
  const args = [BIN_PATH, 'daemon', '--home', opts.home, '--log-file', paths.log(opts.home)]
  if (opts.bootstrap !== undefined) args.push('--bootstrap', opts.bootstrap)
  if (opts.dhtHost !== undefined) args.push('--dht-host', opts.dhtHost)
  if (opts.lan === false) args.push('--no-lan')
  if (opts.passphrase !== null) args.push('--passphrase-stdin')
  const child = spawn(process.execPath, args, { detached: true, stdio: ['pipe', logFd, logFd], env: withoutPassphrase(process.env) })
  closeSync(logFd)
  child.stdin!.end(opts.passphrase !== null ? opts.passphrase + '\n' : '')
  child.unref()
  return child
}

/**
 * Starts `psst daemon` in the background (like gpg-agent) and returns once its socket
 * answers. The passphrase goes through a pipe, never argv or the environment. When another
 * command started a daemon at the same moment, that one wins and is used (`started: false`).
 */
export async function startDaemonDetached (opts: DetachedOptions): Promise<{ pid: number, started: boolean }> {
  const child = spawnDaemon(opts)
  let exited: number | null = null
  child.once('exit', (code) => { exited = code ?? 1 })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (exited !== null) {
      const other = lockHolder(paths.lock(opts.home))
      if (other !== null && await waitForDaemon(opts.home, 10_000).then((s) => { s?.destroy(); return s !== null })) {
        return { pid: other, started: false }
      }
      throw new PsstError('DAEMON_FAILED', `the daemon exited: ${lastLogLine(opts.home)}`)
    }
    const s = await waitForDaemon(opts.home, 100)
    if (s !== null) { s.destroy(); return { pid: child.pid!, started: true } }
  }
  throw new PsstError('DAEMON_FAILED', `the daemon did not answer within 30 s; see ${paths.log(opts.home)}`)
}

function withoutPassphrase (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env }
  delete copy.PSST_PASSPHRASE
  return copy
}

function lastLogLine (home: string): string {
  try {
    const lines = readFileSync(paths.log(home), 'utf8').trim().split('\n')
    return lines[lines.length - 1].replace(/^\S+Z /, '')
  } catch {
    return 'no log'
  }
}

const notRunning = (): DaemonStatus => ({
  running: false, network: { bootstrap: null, dhtHost: null }, pid: 0, publicKey: '', dht: { state: 'offline', host: null, port: null, bootstrap: [] }, friendsOnline: 0, counters: {}
})

export async function daemonStatus (home: string): Promise<DaemonStatus> {
  const s = socketCandidates(home).some((p) => existsSync(p)) ? await waitForDaemon(home, 200) : null
  if (s === null) return notRunning()
  const client = new SocketClient(s)
  try {
    return await client.call('status', {})
  } finally {
    await client.close()
  }
}

/**
 * Stops the profile's daemon and waits until its process has exited. Only the daemon of this
 * home is ever signalled: the one answering on its socket, or the process that holds its lock
 * file open (a pid file alone may name an unrelated process that reused the number).
 */
export async function stopDaemon (home: string, timeoutMs = 20_000): Promise<boolean> {
  const lockFile = paths.lock(home)
  let pid = lockHolder(lockFile)
  const s = await trySocketOf(home)
  if (s !== null) {
    const client = new SocketClient(s)
    const status = await client.call('status', {}).catch(() => null)
    if (status !== null && Number.isInteger(status.pid) && status.pid > 0) pid = status.pid
    await client.call('stop', {}).catch(() => {})
    await client.close()
  } else if (pid !== null) {
    process.kill(pid, 'SIGTERM')
  } else {
    return false
  }
  if (pid === null) return true
  const deadline = Date.now() + timeoutMs
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  if (pidAlive(pid) && holdsLock(pid, lockFile)) {
    process.kill(pid, 'SIGKILL')
    throw new PsstError('DAEMON_FAILED', `the daemon (pid ${pid}) did not stop in time and was killed`)
  }
  return true
}
