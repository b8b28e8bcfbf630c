/**
 * The relay node's core (docs/relay.md): a persistent hyperdht node on a fixed address that
 * can be the bootstrap of a private network, and a mailbox, with its own home, key pair and
 * LevelDB. The shell in src/relay adds the blind relay (a hook on every connection to the relay's
 * key), the control socket and the process lifecycle.
 */
import { existsSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { cryptoReady } from '../crypto/sodium.js'
import { generateKeyPair, toHex, type KeyPair } from '../crypto/identity.js'
import { DhtNode, type DhtNodeOptions } from '../net/dht-node.js'
import { parseBootstrap, formatBootstrap, type HostPort } from '../net/bootstrap.js'
import type { PeerStream } from '../net/peer-stream.js'
import { paths } from '../storage/home.js'
import { RelayStore } from './store.js'
import { PsstError } from '../errors.js'
import { MailboxService, type MailboxCounters } from './mailbox-service.js'
import { resolveLimits, type RelayLimits } from './limits.js'
import { resolveAdmission, DEFAULT_INVITE_TTL_MS, type OwnerPolicy } from './admission.js'
import { randomBytes } from 'node:crypto'

export const DEFAULT_RELAY_PORT = 49737
/**
 * hyperdht's holepuncher classifies a NAT from the answers of at least 3 distinct DHT nodes; with
 * fewer, connections between profiles report "open" and then carry nothing (measured: 1 or 2
 * persistent nodes fail 5 of 5, 3 succeed 5 of 5). A relay that starts its own network therefore
 * runs this many extra persistent nodes next to its main one.
 */
export const DEFAULT_HELPERS = 2
/** Connections served at once; beyond that new ones are refused at the handshake. */
const MAX_CONNECTIONS = 4096

/** What the shell's blind relay reports. */
export interface BlindRelayStats {
  /** Connections relayed (pairs matched) since start. */
  relayed: number
  /** Pairs relaying right now. */
  active: number
  /** Bytes forwarded, as counted by the relay's UDX streams. */
  bytes: number
  errors: number
}

/** A service the shell runs on every connection to the relay's key (the blind relay). */
export interface ConnectionHook {
  accept (stream: PeerStream): void
  stats (): BlindRelayStats
  close (): Promise<void>
}

export interface RelayStatus {
  running: true
  pid: number
  publicKey: string
  /** The address others reach the relay's DHT node at (its bootstrap address). */
  host: string | null
  port: number | null
  dht: 'offline' | 'bootstrapping' | 'online'
  /** The network it joined; [] when it is the first node of its own network. */
  bootstrap: string[]
  /** Extra DHT nodes it runs so a network of one relay can holepunch (see docs/relay.md). */
  helpers: number[]
  /** Connections relayed by the blind relay since start, those live now, and bytes forwarded. */
  relayed: number
  relayedActive: number
  relayedBytes: number
  /** Who may register a mailbox (--owners) and how many keys are listed with --allow-owner. */
  ownerPolicy: OwnerPolicy
  allowedOwners: number
  /** Deposit capabilities registered by owners (one per friend). */
  capabilities: number
  /** Registered mailbox owners, envelopes held, bytes held. */
  owners: number
  held: number
  bytes: number
  /** Deposits refused since start, in total and by reason. */
  refused: number
  refusedBy: MailboxCounters['refusedBy']
  deposits: number
  fetched: number
  deleted: number
  expired: number
  connections: number
  startedAt: number
  limits: RelayLimits
}

export interface RelayOptions {
  home: string
  /** The address others reach the relay at; also the bind address unless dhtHost is given. */
  host?: string
  port?: number
  /** host:port list to join; 'public' for hyperdht's public network; none = start an own network. */
  bootstrap?: string
  /** Bind address when it differs from the address others reach (e.g. behind a 1:1 NAT). */
  dhtHost?: string
  /** Extra DHT nodes (default DEFAULT_HELPERS when starting an own network, else 0). */
  helpers?: number
  log?: (line: string) => void
  limits?: Partial<Record<keyof RelayLimits, number | string | undefined>>
  /** Who may register a mailbox: 'open' or 'invite' (--owners); keys admitted without invite (--allow-owner). */
  owners?: string
  allowOwners?: string[]
  /** Builds the connection hook (the blind relay) from the HyperDHT instance behind the node. */
  hook?: (rawDht: unknown) => ConnectionHook
}

export class RelayNode {
  readonly keyPair: KeyPair
  readonly startedAt = Date.now()
  readonly #store: RelayStore
  readonly #mailbox: MailboxService
  readonly #log: (line: string) => void
  readonly home: string
  #node: DhtNode | null = null
  #helpers: DhtNode[] = []
  #hook: ConnectionHook | null = null
  #bootstrap: HostPort[] | null = []
  #streams = new Set<PeerStream>()
  #stopping: Promise<void> | null = null
  private constructor (home: string, store: RelayStore, keyPair: KeyPair, limits: RelayLimits, log: (line: string) => void, admission: ReturnType<typeof resolveAdmission>) {
    this.home = home
    this.#store = store
    this.keyPair = keyPair
    this.#log = log
    this.#mailbox = new MailboxService(store, limits, { log, admission })
  }

  static async start (opts: RelayOptions): Promise<RelayNode> {
    const log = opts.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`))
    const limits = resolveLimits(opts.limits)
    const admission = resolveAdmission(opts.owners, opts.allowOwners)
    const bootstrap = relayBootstrap(opts.bootstrap)
    if (bootstrap !== null && bootstrap.length === 0 && (opts.host === undefined || opts.host === '')) {
      throw PsstError.usage('a relay that starts its own network needs --host ADDR (the address others reach it at); or join one with --bootstrap host:port')
    }
    await cryptoReady()
    if (existsSync(paths.header(opts.home))) {
      throw PsstError.usage(`${opts.home} holds a psst profile; give the relay a home of its own (--home DIR)`)
    }
    const store = await RelayStore.open(opts.home)
    let relay: RelayNode
    try {
      relay = new RelayNode(opts.home, store, await store.keyPair(generateKeyPair), limits, log, admission)
    } catch (err) {
      await store.close()
      throw err
    }
    try {
      await relay.#startNetwork(opts, bootstrap)
    } catch (err) {
      await relay.stop()
      throw err instanceof PsstError ? err : PsstError.internal(`the relay failed to start: ${(err as Error).message}`)
    }
    return relay
  }

  async #startNetwork (opts: RelayOptions, bootstrap: HostPort[] | null): Promise<void> {
    this.#bootstrap = bootstrap
    const port = opts.port ?? DEFAULT_RELAY_PORT
    const own = bootstrap !== null && bootstrap.length === 0
    // The first node of its own network must know its own address from the start (bootstrapper).
    const nodeOpts: DhtNodeOptions = own
      ? { bootstrap: [], host: opts.host, port, bootstrapper: true }
      : { bootstrap, host: opts.dhtHost ?? opts.host, port, ephemeral: false, firewalled: false }
    await assertPortFree(nodeOpts.host, port)
    this.#node = await DhtNode.create(nodeOpts)
    const bound = this.#node.address().port
    if (bound !== port) throw PsstError.usage(`port ${port} on ${opts.host ?? 'this host'} is taken (the DHT bound ${bound}); choose another with --port`)
    this.#hook = opts.hook?.(this.#node.dht) ?? null
    this.#mailbox.start()
    await this.#node.listen(this.keyPair, () => this.#mailbox.connections >= MAX_CONNECTIONS, (s) => this.#onConnection(s))
    const helpers = opts.helpers ?? (own ? DEFAULT_HELPERS : 0)
    const self = [{ host: opts.host ?? this.#node.address().host ?? '127.0.0.1', port }]
    for (let i = 1; i <= helpers; i++) {
      this.#helpers.push(await DhtNode.create({ bootstrap: own ? self : bootstrap, host: opts.dhtHost ?? opts.host, port: port + i, ephemeral: false, firewalled: false }))
    }
    const where = formatBootstrap(self)
    this.#log(`relay ${toHex(this.keyPair.publicKey)} on ${where} (${own ? `its own network: use --bootstrap ${where}` : `network ${bootstrap === null ? 'public' : formatBootstrap(bootstrap)}`})`)
    if (this.#helpers.length > 0) this.#log(`helper DHT nodes on ports ${this.#helpers.map((h) => h.address().port).join(', ')}`)
    this.#log(`mailbox: ${this.#store.owners.size} owners, ${this.#store.held} envelopes held`)
    const adm = this.#mailbox.admission
    this.#log(adm.policy === 'open'
      ? 'owners: open (any key may register a mailbox; --owners invite admits only --allow-owner keys and invite codes)'
      : `owners: by invite (${adm.allow.size} listed keys; make a code with: psst relay invite)`)
  }

  #onConnection (stream: PeerStream): void {
    this.#streams.add(stream)
    stream.on('close', () => this.#streams.delete(stream))
    this.#hook?.accept(stream)
    this.#mailbox.attach(stream)
  }

  status (): RelayStatus {
    const address = this.#node?.address() ?? { host: null, port: null }
    const blind = this.#hook?.stats() ?? { relayed: 0, active: 0, bytes: 0, errors: 0 }
    const c = this.#mailbox.counters
    return {
      running: true,
      pid: process.pid,
      publicKey: toHex(this.keyPair.publicKey),
      host: address.host,
      port: address.port,
      dht: this.#node?.state ?? 'offline',
      bootstrap: this.#bootstrap === null ? ['(public)'] : this.#bootstrap.map((b) => `${b.host}:${b.port}`),
      helpers: this.#helpers.map((h) => h.address().port ?? 0),
      relayed: blind.relayed,
      relayedActive: blind.active,
      relayedBytes: blind.bytes,
      ownerPolicy: this.#mailbox.admission.policy,
      allowedOwners: this.#mailbox.admission.allow.size,
      capabilities: this.#store.caps.size,
      owners: this.#store.owners.size,
      held: this.#store.held,
      bytes: this.#store.bytes,
      refused: c.refused,
      refusedBy: { ...c.refusedBy },
      deposits: c.deposits,
      fetched: c.fetched,
      deleted: c.deleted,
      expired: c.expired,
      connections: this.#mailbox.connections,
      startedAt: this.startedAt,
      limits: this.#mailbox.limits
    }
  }

  /** A new single-use invite code for `psst mailbox set <relay> --invite CODE`. */
  async invite (validMs = DEFAULT_INVITE_TTL_MS): Promise<{ code: string, relay: string, expiresAt: number }> {
    const code = randomBytes(12).toString('base64url')
    const now = Date.now()
    await this.#store.createInvite(code, now, now + validMs)
    this.#log('invite code created')
    return { code, relay: toHex(this.keyPair.publicKey), expiresAt: now + validMs }
  }

  /** Clean stop: no new connections, live ones closed, writes flushed, DB closed. Idempotent. */
  stop (): Promise<void> {
    this.#stopping ??= this.#shutdown()
    return this.#stopping
  }

  async #shutdown (): Promise<void> {
    for (const s of this.#streams) s.destroy()
    await this.#mailbox.close()
    await withTimeout(this.#hook?.close() ?? Promise.resolve(), 2000)
    await Promise.allSettled([...this.#helpers, ...(this.#node ? [this.#node] : [])].map((n) => n.destroy()))
    await this.#store.close()
  }
}

/** undefined/'' (and no PSST_BOOTSTRAP) = own network ([]); 'public' = hyperdht's nodes (null). */
export function relayBootstrap (value: string | undefined): HostPort[] | null {
  const text = (value ?? process.env.PSST_BOOTSTRAP ?? '').trim()
  if (text === '') return []
  if (text.toLowerCase() === 'public') return null
  return parseBootstrap(text)
}

/**
 * A taken port is refused before the DHT node is built: a HyperDHT whose bind failed keeps the
 * process alive after it is destroyed (seen with hyperdht 6.34), so `psst relay` would hang.
 */
async function assertPortFree (host: string | undefined, port: number): Promise<void> {
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind({ port, address: host, exclusive: true }, () => resolve())
    })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw PsstError.usage(code === 'EADDRINUSE'
      ? `UDP port ${port} on ${host ?? 'this host'} is taken (another relay or DHT node?); choose another with --port`
      : `cannot use ${host ?? '0.0.0.0'}:${port}: ${(err as Error).message}`)
  } finally {
    try { socket.close() } catch {}
  }
}

async function withTimeout (p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p.catch(() => {}), new Promise<void>((resolve) => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}
