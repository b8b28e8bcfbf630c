import type { Socket } from 'node:net'
import type { Method, Params, Result, PsstEvent, EventType } from './api.js'
import { PsstError } from '../errors.js'
import { paths } from '../storage/home.js'
import { RpcClient, trySocket, socketAnswers, waitForSocket } from '../rpc/client.js'
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
  readonly #rpc: RpcClient

  constructor (socket: Socket) {
    this.#rpc = new RpcClient(socket, () => new PsstError('NO_DAEMON', 'the daemon closed the connection'))
  }

  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    if (this.#rpc.closed) throw new PsstError('NO_DAEMON', 'not connected to the daemon')
    return await this.#rpc.call(method, params) as Result<M>
  }

  async subscribe (onEvent: (e: PsstEvent) => void, types?: EventType[]): Promise<void> {
    this.#rpc.onEvent = onEvent as (event: unknown) => void
    await this.call('subscribe', types === undefined ? {} : { types })
  }

  onClose (fn: () => void): void { this.#rpc.onClose(fn) }

  async close (): Promise<void> { await this.#rpc.close() }
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

// daemon-process.ts reaches the socket helpers through here.
export { SocketClient, socketAnswers, waitForSocket }
