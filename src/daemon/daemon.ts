import { unlinkSync, symlinkSync, readlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import { ProfileStore } from '../storage/profile-store.js'
import { paths, ensurePrivateDir } from '../storage/home.js'
import { cryptoReady } from '../crypto/sodium.js'
import { DhtNode } from '../net/dht-node.js'
import { parseBootstrap, formatBootstrap, type HostPort } from '../net/bootstrap.js'
import { Messenger } from './messenger.js'
import { installProtocol } from './protocol.js'
import { serveControl, type ControlServer } from './control-server.js'
import { startMailbox, stopMailbox, listenOptions } from '../mailbox/mailbox.js'
import { PsstError } from '../errors.js'
import { localClient } from './local-client.js'
import { safeLogger } from './log-line.js'
import type { Client } from './control-client.js'
import type { NetworkSettings } from './api.js'
import { effective, fromRecord } from './settings.js'

export interface DaemonOptions {
  home: string
  passphrase?: () => Promise<string | null>
  bootstrap?: string
  dhtHost?: string
  log?: (line: string) => void
  /** Called once the control socket answers. */
  onReady?: (m: Messenger) => void
  /** Called once the control socket answers with a way to open clients served in this process. */
  onLocalClients?: (open: () => Client) => void
  /** Handle SIGINT/SIGTERM (default true). */
  signals?: boolean
}

/**
 * The daemon: the one process that owns a profile's DB and network presence. Resolves after
 * a clean stop (a signal or a `stop` request): links closed, writes flushed, DB closed.
 */
export async function runDaemon (opts: DaemonOptions): Promise<void> {
  const encrypted = ProfileStore.isEncrypted(opts.home)
  const log = safeLogger(opts.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)), encrypted)
  if (opts.signals !== false) survivesStorageRejections(log)
  // libsodium (~12 MB) is loaded only when something needs it: unlocking here, sealing mail later.
  if (encrypted) await cryptoReady()
  const secret = encrypted ? (await opts.passphrase?.()) ?? null : null
  const store = await ProfileStore.open(opts.home, secret)
  if (store.journalDamaged) log('warning: the write journal held damaged bytes (kept as db.journal.damaged-*); the records before them were applied, nothing the database held was undone')
  if (store.replay.cutShort > 0) log(`warning: the write journal ended in a record cut short (${store.replay.cutShort} bytes, a write interrupted by a crash or a full disk); it was not applied`)
  let network: NetworkSettings
  try {
    network = effective(fromRecord(await store.loadSettings()), {
      bootstrap: nonEmpty(opts.bootstrap) ?? nonEmpty(process.env.PSST_BOOTSTRAP),
      dhtHost: nonEmpty(opts.dhtHost) ?? nonEmpty(process.env.PSST_DHT_HOST)
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
    bootstrap: bootstrap === null ? ['(public)'] : bootstrap.map((b) => `${b.host}:${b.port}`),
    log
  })
  m.network = network
  installProtocol(m)
  let server: ControlServer | null = null
  let dht: DhtNode | null = null
  let stopping: Promise<void> | null = null
  const stop = (): Promise<void> => {
    stopping ??= shutdown()
    return stopping
  }
  async function shutdown (): Promise<void> {
    log('stopping')
    server?.close()
    await stopMailbox(m)
    await m.close()
    await dht?.destroy()
    await store.close()
    if (server !== null) removeSocket(opts.home)
    log('stopped')
  }
  try {
    await m.load()
    server = await serveControl(m, bindSocket(opts.home))
    log(`control socket ${paths.socket(opts.home)} (pid ${process.pid})`)
    opts.onReady?.(m)
    opts.onLocalClients?.(() => localClient(m))
    dht = await DhtNode.create({ bootstrap, host: network.dhtHost ?? undefined })
    m.setDht(dht)
    await dht.listen(m.keyPair, (pk) => m.firewall(pk), (stream) => m.attach(stream), listenOptions(m))
    log(`listening as ${m.publicHex} on ${formatBootstrap([dhtAddress(dht)])} (bootstrap ${m.bootstrap.join(',')})`)
    for (const rt of m.friends.values()) m.dial(rt)
    startMailbox(m)
  } catch (err) {
    await stop()
    throw err instanceof PsstError ? err : PsstError.internal(`daemon failed to start: ${(err as Error).message}`)
  }
  await new Promise<void>((resolve) => {
    const onSignal = (): void => { void stop().then(resolve) }
    if (opts.signals !== false) {
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
    }
    m.once('stop-requested', onSignal)
  })
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
