import { unlinkSync, symlinkSync, readlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import { ProfileStore } from '../storage/profile-store.js'
import { paths, ensurePrivateDir } from '../storage/home.js'
import { cryptoReady } from '../crypto/sodium.js'
import { DhtNode } from '../net/dht-node.js'
import { parseBootstrap, formatBootstrap, type HostPort } from '../net/bootstrap.js'
import { Messenger } from '../contacts/messenger.js'
import { installProtocol } from './protocol.js'
import { serveControl, type ControlServer } from './control-server.js'
import { startMailbox, stopMailbox, listenOptions } from '../mailbox/mailbox.js'
import { PsstError } from '../errors.js'
import { localClient } from './local-client.js'
import { safeLogger } from '../wire/log-line.js'
import { installFiles, closeFiles } from './files.js'
import { installDevices } from '../devices/runtime.js'
import { Presence } from '../presence/presence.js'
import { installGroups, closeGroups } from './groups.js'
import type { Client } from './control-client.js'
import type { NetworkSettings, Settings } from './api.js'
import { setHistoryCaps } from '../chat/history-cap.js'
import { restoreResyncs } from '../chat/resync.js'
import { onMessage } from '../chat/delivery.js'
import { effective, fromRecord } from './settings.js'
import { lanConfig, startLan, stopLan } from './lan.js'

export interface DaemonOptions {
  home: string
  passphrase?: () => Promise<string | null>
  bootstrap?: string
  dhtHost?: string
  /** false: no LAN discovery this run (--no-lan); else PSST_LAN, then the profile's setting. */
  lan?: false
  log?: (line: string) => void
}

/** A daemon started in this process (see embed.ts). */
export interface RunningDaemon {
  /** A client served in this process: the control socket's handlers and events, without JSON or socket. */
  client (): Client
  /** Stops cleanly (links closed, writes flushed, DB closed); resolves when done. Idempotent. */
  stop (): Promise<void>
  /** Resolves once the daemon has stopped, by stop() or a `stop` request on its socket. */
  readonly stopped: Promise<void>
}

/**
 * The daemon (`psst daemon`): the one process that owns a profile's DB and network presence.
 * Resolves after a clean stop on SIGINT/SIGTERM or a `stop` request.
 */
export async function runDaemon (opts: DaemonOptions): Promise<void> {
  survivesStorageRejections(opts.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)))
  const daemon = await startDaemon(opts)
  const onSignal = (): void => { void daemon.stop() }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  await daemon.stopped
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

/**
 * Starts a profile's daemon in this process: the control socket answers, the DHT listens and
 * friends are being dialled when it resolves. Signals are left to the caller.
 */
export async function startDaemon (opts: DaemonOptions): Promise<RunningDaemon> {
  const encrypted = ProfileStore.isEncrypted(opts.home)
  const log = safeLogger(opts.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)), encrypted)
  // libsodium (~12 MB) is loaded only when something needs it: unlocking here, sealing mail later.
  if (encrypted) await cryptoReady()
  const secret = encrypted ? (await opts.passphrase?.()) ?? null : null
  const store = await ProfileStore.open(opts.home, secret)
  if (store.journalDamaged) log('warning: the write journal held damaged bytes (kept as db.journal.damaged-*); the records before them were applied, nothing the database held was undone')
  if (store.replay.cutShort > 0) log(`warning: the write journal ended in a record cut short (${store.replay.cutShort} bytes, a write interrupted by a crash or a full disk); it was not applied`)
  let network: NetworkSettings
  let stored: Settings
  try {
    stored = fromRecord(await store.loadSettings())
    network = effective(stored, {
      bootstrap: nonEmpty(opts.bootstrap) ?? nonEmpty(process.env.PSST_BOOTSTRAP),
      dhtHost: nonEmpty(opts.dhtHost) ?? nonEmpty(process.env.PSST_DHT_HOST),
      lan: opts.lan ?? (nonEmpty(process.env.PSST_LAN) as boolean | undefined)
    })
  } catch (err) {
    await store.close()
    throw err
  }
  const bootstrap = network.bootstrap === null ? null : parseBootstrap(network.bootstrap)
  const m = new Messenger({
    store,
    profile: await store.loadProfile(),
    dht: null,
    bootstrap: bootstrap === null ? ['(public)'] : bootstrap.length === 0 ? ['none'] : bootstrap.map((b) => `${b.host}:${b.port}`),
    log
  })
  m.network = network
  setHistoryCaps(m, stored)
  installProtocol(m)
  let server: ControlServer | null = null
  let dht: DhtNode | null = null
  let presence: Presence | null = null
  let stopping: Promise<void> | null = null
  const stop = (): Promise<void> => {
    stopping ??= shutdown()
    return stopping
  }
  async function shutdown (): Promise<void> {
    log('stopping')
    server?.close()
    stopLan(m)
    await stopMailbox(m)
    await closeFiles(m)
    await closeGroups(m)
    await presence?.stop()
    await m.close()
    await dht?.destroy()
    await store.close()
    if (server !== null) removeSocket(opts.home)
    log('stopped')
  }
  try {
    await m.load()
    await restoreResyncs(m, (rt, link, msg) => onMessage(m, rt, link, msg))
    await installDevices(m)
    installFiles(m, opts.home)
    installGroups(m)
    server = await serveControl(m, bindSocket(opts.home))
    log(`control socket ${paths.socket(opts.home)} (pid ${process.pid})`)
    const lan = network.lan === false ? null : lanConfig(network.dhtHost)
    dht = await DhtNode.create({ bootstrap, host: network.dhtHost ?? undefined })
    m.setDht(dht)
    // Never on the identity key (docs/design.md, Presence privacy): a device key, a request key.
    const starting = Presence.start(m, dht, listenOptions(m))
    starting.catch(() => {})
    // Beside presence, not after it: hyperdht routes a key as soon as it listens, but with no DHT
    // reachable the announces take 12 s and more, while a friend on the LAN can connect at once.
    // Not waited for either: the daemon listens before libsodium has loaded, the tags need it.
    if (lan !== null) void startLan(m, dht, lan).catch((err) => log(`LAN discovery failed to start: ${(err as Error).message}`))
    presence = await starting
    log(`listening as ${m.publicHex} (device key ${presence.deviceKey.toString('hex').slice(0, 8)}…) on ${formatBootstrap([dhtAddress(dht)])} (bootstrap ${m.bootstrap.join(',')})`)
    for (const rt of m.friends.values()) m.dial(rt)
    startMailbox(m)
  } catch (err) {
    await stop()
    throw err instanceof PsstError ? err : PsstError.internal(`daemon failed to start: ${(err as Error).message}`)
  }
  const stopped = new Promise<void>((resolve) => {
    m.once('stop-requested', () => { void stop().then(resolve) })
  })
  return {
    client: () => localClient(m),
    async stop () {
      m.emit('stop-requested')
      await stopped
    },
    stopped
  }
}

/**
 * A write the disk refused is handled where it matters (disk-guard.ts rolls state back and
 * reports it once); a caller that only fired it off must not take the daemon down with it.
 * Anything else unhandled is still a crash: its state is unknown.
 */
function survivesStorageRejections (log: (line: string) => void): void {
  process.on('unhandledRejection', (err) => {
    if (err instanceof PsstError && (err.code === 'DISK_FULL' || err.code === 'STORE_FAILED')) return
    log(`internal error: ${(err as Error)?.stack ?? String(err)}`)
    process.exit(70)
  })
}

/** The socket's path, its folder made private, and the home's link to it when it lives elsewhere. */
function bindSocket (home: string): string {
  const path = paths.socket(home)
  const link = paths.socketLink(home)
  ensurePrivateDir(dirname(path))
  if (path !== link) {
    try { unlinkSync(link) } catch {}
    try { symlinkSync(path, link) } catch {}
  }
  return path
}

function removeSocket (home: string): void {
  const path = paths.socket(home)
  const link = paths.socketLink(home)
  try { unlinkSync(path) } catch {}
  try { if (path !== link && readlinkSync(link) === path) unlinkSync(link) } catch {}
}

function nonEmpty (v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v
}

function dhtAddress (dht: DhtNode): HostPort {
  const a = dht.address()
  return { host: a.host ?? '?', port: a.port ?? 0 }
}
