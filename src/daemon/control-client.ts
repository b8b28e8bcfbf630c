import type { Socket } from 'node:net'
import type { Method, Params, Result, PsstEvent, EventType } from './api.js'
import { PsstError } from '../errors.js'
import { paths, socketCandidates } from '../storage/home.js'
import { RpcClient, trySocket } from '../rpc/client.js'
import { startDaemonDetached, spawnDaemon } from './daemon-process.js'
import { checkRunningMatches } from './settings.js'
import { ProfileStore } from '../storage/profile-store.js'
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
  /** Overrides for this run; with a daemon already running, they must match its settings. */
  bootstrap?: string
  dhtHost?: string
  /** false: no LAN discovery for a daemon this starts (and a running one must not have it on). */
  lan?: false
  /** Start a detached daemon when none runs (default true). */
  autostart?: boolean
  /** With no daemon running and autostart off, serve calls in-process without network. */
  offline?: boolean
  /**
   * With no daemon running: answer in-process now and start the daemon in the background once
   * this client closes (`psst id`, which must stay fast). Needs autostart.
   */
  background?: boolean
  /** Told when this call started the daemon (pid), so a command can say the profile went online. */
  onStarted?: (pid: number) => void
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

/** The first of the home's socket paths (socketCandidates) that answers, else null. */
export async function trySocketOf (home: string): Promise<Socket | null> {
  for (const path of socketCandidates(home)) {
    const s = await trySocket(path)
    if (s !== null) return s
  }
  return null
}

/** Waits up to timeoutMs for the home's daemon to answer. */
export async function waitForDaemon (home: string, timeoutMs: number): Promise<Socket | null> {
  const deadline = Date.now() + timeoutMs
  do {
    const s = await trySocketOf(home)
    if (s !== null) return s
    await new Promise((resolve) => setTimeout(resolve, 50))
  } while (Date.now() < deadline)
  return null
}

/**
 * Connects to the profile's daemon; starts one when none runs (unless autostart is off, when
 * `offline` opens the profile in-process without network instead).
 */
export async function connect (opts: ConnectOptions): Promise<Client> {
  const socket = await trySocketOf(opts.home)
  if (socket !== null) return await checked(new SocketClient(socket), opts)
  const autostart = opts.autostart !== false
  if (!autostart && opts.offline !== true) {
    throw new PsstError('NO_DAEMON', `no psst daemon runs for ${opts.home}; start it with: psst daemon --detach`)
  }
  if (!ProfileStore.exists(opts.home)) throw new PsstError('NO_PROFILE', `no psst profile in ${opts.home}; create one with: psst init`)
  if (!autostart || opts.background === true) {
    const local = await inProcess(opts)
    if (local !== null) {
      if (autostart) local.onClose(() => { startInBackground(opts) })
      return local
    }
  } else {
    const passphrase = await needPassphrase(opts)
    const { pid, started } = await startDaemonDetached({ home: opts.home, passphrase, bootstrap: opts.bootstrap, dhtHost: opts.dhtHost, lan: opts.lan })
    if (started) opts.onStarted?.(pid)
  }
  const s = await waitForDaemon(opts.home, 30_000)
  if (s === null) throw new PsstError('DAEMON_FAILED', `the daemon for ${opts.home} did not answer; see ${paths.log(opts.home)}`)
  return await checked(new SocketClient(s), opts)
}

/** The profile in this process, or null when a daemon holds it (it is starting: use it once it answers). */
async function inProcess (opts: ConnectOptions): Promise<Client | null> {
  return await openOffline(opts.home, opts.passphrase).catch(async (err) => {
    if (err instanceof PsstError && err.code === 'PROFILE_IN_USE') return null
    throw err
  })
}

/** `psst id`'s daemon: spawned as its process exits, not waited for (its log tells how it went). */
function startInBackground (opts: ConnectOptions): void {
  void (async () => {
    const passphrase = await needPassphrase(opts)
    const pid = spawnDaemon({ home: opts.home, passphrase, bootstrap: opts.bootstrap, dhtHost: opts.dhtHost, lan: opts.lan }).pid
    if (pid !== undefined) opts.onStarted?.(pid)
  })().catch(() => {})
}

/** A flag given for this run must match what the running daemon uses; it cannot apply otherwise. */
async function checked (client: SocketClient, opts: ConnectOptions): Promise<Client> {
  if (opts.bootstrap === undefined && opts.dhtHost === undefined && opts.lan === undefined) return client
  try {
    const status = await client.call('status', {})
    // A daemon from before settings were reported has no `network`: nothing to compare.
    if (status.network !== undefined) checkRunningMatches(opts.home, status.network, { bootstrap: opts.bootstrap, dhtHost: opts.dhtHost, lan: opts.lan }, status.dht.host)
  } catch (err) {
    await client.close()
    throw err
  }
  return client
}

async function needPassphrase (opts: ConnectOptions): Promise<string | null> {
  if (!ProfileStore.isEncrypted(opts.home)) return null
  const p = await opts.passphrase?.()
  if (p === null || p === undefined) throw new PsstError('PASSPHRASE_REQUIRED', 'this profile is encrypted: give its passphrase (prompt, --passphrase-file F or PSST_PASSPHRASE)')
  return p
}

export { SocketClient }
