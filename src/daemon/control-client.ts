import { connect as netConnect, type Socket } from 'node:net'
import type { Method, Params, Result, PsstEvent, EventType } from './api.js'
import { PsstError } from '../errors.js'
import { paths } from '../storage/home.js'
import { LineReader, writeJson } from './ndjson.js'
import { startDaemonDetached } from './daemon-process.js'
import { openOffline } from './offline.js'

export interface Client {
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>>
  subscribe (onEvent: (e: PsstEvent) => void, types?: EventType[]): Promise<void>
  onClose (fn: () => void): void
  /** Resolves once the connection (or the in-process profile) is closed. */
  close (): Promise<void>
}

export interface ConnectOptions {
  home: string
  /** Asked only when the profile must be unlocked here (daemon start, offline use) and is encrypted. */
  passphrase?: () => Promise<string | null>
  bootstrap?: string
  dhtHost?: string
  /** Start a detached daemon when none runs (default true). */
  autostart?: boolean
  /** With no daemon running, serve calls in-process without network. */
  offline?: boolean
}

/** A client of a running daemon over its control socket. */
class SocketClient implements Client {
  readonly #socket: Socket
  readonly #pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  #nextId = 1
  #onEvent: ((e: PsstEvent) => void) | null = null
  #closeFns: Array<() => void> = []

  constructor (socket: Socket) {
    this.#socket = socket
    const reader = new LineReader((line) => this.#onLine(line), () => socket.destroy())
    socket.on('data', (chunk) => reader.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      const err = new PsstError('NO_DAEMON', 'the daemon closed the connection')
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
      for (const fn of this.#closeFns) fn()
    })
  }

  #onLine (line: string): void {
    let msg: { id?: number, result?: unknown, error?: unknown, event?: PsstEvent }
    try { msg = JSON.parse(line) } catch { return }
    if (msg.event !== undefined) { this.#onEvent?.(msg.event); return }
    const p = this.#pending.get(msg.id as number)
    if (p === undefined) return
    this.#pending.delete(msg.id as number)
    if (msg.error !== undefined) p.reject(PsstError.fromJSON(msg.error))
    else p.resolve(msg.result)
  }

  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    if (this.#socket.destroyed) return Promise.reject(new PsstError('NO_DAEMON', 'not connected to the daemon'))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      writeJson(this.#socket, { id, method, params })
    })
  }

  async subscribe (onEvent: (e: PsstEvent) => void, types?: EventType[]): Promise<void> {
    this.#onEvent = onEvent
    await this.call('subscribe', types === undefined ? {} : { types })
  }

  onClose (fn: () => void): void { this.#closeFns.push(fn) }

  close (): Promise<void> {
    if (this.#socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve())
      this.#socket.end()
      this.#socket.destroy()
    })
  }
}

function trySocket (path: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = netConnect(path)
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s) })
    s.once('error', () => resolve(null))
  })
}

/** Connects to the profile's daemon; starts one (or opens the profile in-process) if none runs. */
export async function connect (opts: ConnectOptions): Promise<Client> {
  const socketPath = paths.socket(opts.home)
  const socket = await trySocket(socketPath)
  if (socket !== null) return new SocketClient(socket)
  if (opts.offline === true) {
    const local = await openOffline(opts.home, opts.passphrase).catch(async (err) => {
      // A daemon may be starting right now and hold the lock: use it once it answers.
      if (err instanceof PsstError && err.code === 'PROFILE_IN_USE') return null
      throw err
    })
    if (local !== null) return local
    const s = await waitForSocket(socketPath, 10_000)
    if (s !== null) return new SocketClient(s)
    throw new PsstError('PROFILE_IN_USE', `profile ${opts.home} is in use but its daemon does not answer`)
  }
  if (opts.autostart === false) {
    throw new PsstError('NO_DAEMON', `no psst daemon runs for ${opts.home}; start it with: psst daemon --detach`)
  }
  const passphrase = await needPassphrase(opts)
  await startDaemonDetached({ home: opts.home, passphrase, bootstrap: opts.bootstrap, dhtHost: opts.dhtHost })
  const s = await waitForSocket(socketPath, 30_000)
  if (s === null) throw new PsstError('DAEMON_FAILED', `the daemon for ${opts.home} did not answer; see ${paths.log(opts.home)}`)
  return new SocketClient(s)
}

async function needPassphrase (opts: ConnectOptions): Promise<string | null> {
  const { isProfileEncrypted } = await import('./profile.js')
  if (!isProfileEncrypted(opts.home)) return null
  const p = await opts.passphrase?.()
  if (p === null || p === undefined) throw new PsstError('PASSPHRASE_REQUIRED', 'this profile is encrypted: give its passphrase (prompt, --passphrase-file F or PSST_PASSPHRASE)')
  return p
}

/** True if something answers on the socket (a live daemon), false for a stale file. */
export function socketAnswers (path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(path)
    const timer = setTimeout(() => { s.destroy(); resolve(false) }, timeoutMs)
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true) })
    s.once('error', () => { clearTimeout(timer); resolve(false) })
  })
}

export async function waitForSocket (path: string, timeoutMs: number): Promise<Socket | null> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const s = await trySocket(path)
    if (s !== null) return s
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return null
}

export { SocketClient }
