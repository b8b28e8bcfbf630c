/**
 * One hyperdht node: a profile's (or the relay's) presence on the DHT. The only place that builds
 * a HyperDHT instance for psst; everything above sees DhtNode and PeerStream.
 */
import { EventEmitter } from 'events'
import HyperDHT from 'hyperdht'
import { PsstError } from '../errors.js'
import { chooseBindHost, isLoopback, portRangeAvoiding, type HostPort } from './bootstrap.js'
import { guardFirewall, type Firewall } from './guard-firewall.js'
import type { PeerStream } from './peer-stream.js'

export type DhtState = 'offline' | 'bootstrapping' | 'online'
export interface KeyPair { publicKey: Buffer, secretKey: Buffer }

export interface DhtNodeOptions {
  /** null = hyperdht's public bootstrap nodes; [] = start a network of one's own. */
  bootstrap: HostPort[] | null
  /** Bind address (--dht-host); see chooseBindHost for the default. */
  host?: string
  /** 0/omitted = 49737 upwards past every bootstrap node's port (portRangeAvoiding), then any port. */
  port?: number
  /** Default true (a profile). The relay passes false: persistent at once. */
  ephemeral?: boolean
  firewalled?: boolean
  /** How long create() waits for the first bootstrap round; default 10 s. */
  bootstrapTimeout?: number
  /**
   * Start a network of one's own (the relay as a private network's first node): hyperdht's
   * bootstrapper, persistent, that knows its own address. Needs an IPv4 `host` (not 0.0.0.0) and a
   * `port`; `bootstrap` is then the other known nodes, usually [].
   */
  bootstrapper?: boolean
}

export interface ListenOptions {
  /** A blind relay (its public key) for incoming connections; the server's choice wins. */
  relayThrough?: Buffer | null
  /** false: never holepunch. With relayThrough, every incoming connection stays relayed. */
  holepunch?: boolean
}

/** hyperdht's key pair for a 32-byte seed (the same bytes as src/crypto's keyPairFromSeed, without loading libsodium). */
export function dhtKeyPair (seed: Buffer): KeyPair {
  const kp = HyperDHT.keyPair(seed)
  return { publicKey: kp.publicKey, secretKey: kp.secretKey }
}

/** A server listening on one key pair; close() unannounces it. */
export interface Listening {
  readonly publicKey: Buffer
  close (): Promise<void>
}

export const DEFAULT_BOOTSTRAP_TIMEOUT = 10_000
const UNANNOUNCE_GRACE = 1500

const noop = (): void => {}

export class DhtNode extends EventEmitter {
  /** Escape hatch for src/relay's blind relay (a HyperDHT instance). */
  readonly dht: unknown
  private readonly node: HyperDHT
  private readonly bindHost: string | undefined
  /** The network this node joined, so a sibling node can join the same one. */
  private readonly bootstrapNodes: HostPort[] | null
  /** Bound to loopback: never offer or probe LAN addresses (docs/design.md, Network basics). */
  private readonly loopback: boolean
  private readonly servers = new Set<HyperDHT.Server>()
  private waiting = true
  private current: DhtState = 'bootstrapping'
  private closing: Promise<void> | null = null

  private constructor (node: HyperDHT, bindHost: string | undefined, bootstrap: HostPort[] | null) {
    super()
    this.node = node
    this.dht = node
    this.bindHost = bindHost
    this.bootstrapNodes = bootstrap
    this.loopback = bindHost !== undefined && isLoopback(bindHost)
    if (this.loopback) {
      // hyperdht probes every LAN interface address when a server starts (a packet to e.g.
      // 192.0.2.2), even with shareLocalAddress off. On loopback, report only loopback ones.
      node.validateLocalAddresses = async (addrs) => addrs.filter(a => isLoopback(a.host))
    }
    const update = (): void => this.update()
    for (const event of ['add-node', 'remove-node', 'network-update', 'close']) node.on(event, update)
  }

  /** Binds and waits for the first bootstrap round (at most bootstrapTimeout; it keeps trying after). */
  static async create (opts: DhtNodeOptions): Promise<DhtNode> {
    const host = chooseBindHost(opts.bootstrap, opts.host)
    const node = new DhtNode(buildDht(opts, host), host, opts.bootstrap)
    try {
      await node.firstBootstrap(opts.bootstrapTimeout ?? DEFAULT_BOOTSTRAP_TIMEOUT)
    } catch (err) {
      await node.destroy()
      const where = `${host ?? '0.0.0.0'}:${opts.port ?? 49737}`
      const code = opts.host !== undefined || opts.port !== undefined ? 'USAGE' : 'INTERNAL'
      throw new PsstError(code, `cannot start the DHT node on ${where}: ${errorText(err)}`)
    }
    return node
  }

  get state (): DhtState { return this.current }

  /**
   * A separate ephemeral node on the same network and bind host, with a socket (port) of its own:
   * for connections that must not be linked to this node's by address (mailbox deposits under a
   * capability key, docs/relay.md). Bound to the same host, so a loopback profile stays on loopback.
   */
  async sibling (): Promise<DhtNode> {
    this.assertOpen()
    return await DhtNode.create({ bootstrap: this.bootstrapNodes, host: this.bindHost, port: 0, ephemeral: true })
  }

  /** Our address as the network sees it when known, else the bound one. */
  address (): { host: string | null, port: number | null } {
    return {
      host: this.node.host ?? this.bindHost ?? null,
      port: this.node.destroyed ? null : this.node.localAddress()?.port ?? null
    }
  }

  /** The address the socket is bound to (null = every IPv4 address) and its port: what a LAN peer dials. */
  boundAddress (): { host: string | null, port: number } | null {
    const port = this.node.destroyed ? null : this.node.localAddress()?.port ?? null
    return port === null ? null : { host: this.bindHost ?? null, port }
  }

  /**
   * Whether host:port is a DHT node we know (a routing-table node or a bootstrap node): a peer
   * link whose packets come from such an address runs through a relay, not straight to the peer.
   */
  isNodeAddress (host: string, port: number): boolean {
    if ((this.bootstrapNodes ?? []).some((b) => b.host === host && b.port === port)) return true
    try {
      return this.node.toArray().some((n) => n.host === host && n.port === port)
    } catch {
      return false
    }
  }

  /**
   * Listen as keyPair (hyperdht announces the key itself). `firewall` returns true to REJECT; it is
   * made total: a throw, a rejected promise or anything but `false` rejects. A rejected peer sees
   * PEER_CONNECTION_FAILED after ~8 s, like an offline one.
   */
  async listen (keyPair: KeyPair, firewall: Firewall, onConnection: (s: PeerStream) => void, opts: ListenOptions = {}): Promise<Listening> {
    this.assertOpen()
    const server = this.node.createServer({ firewall: guardFirewall(firewall), shareLocalAddress: !this.loopback,
      ...(opts.relayThrough != null ? { relayThrough: opts.relayThrough } : {}),
      ...(opts.holepunch === false ? { holepunch: false } : {})
    })
    server.on('connection', (stream: PeerStream) => accept(stream, onConnection))
    this.servers.add(server)
    try {
      await server.listen({ publicKey: keyPair.publicKey, secretKey: keyPair.secretKey })
    } catch (err) {
      this.servers.delete(server)
      await server.close().catch(noop)
      throw PsstError.internal(`cannot listen on the DHT: ${errorText(err)}`)
    }
    return {
      publicKey: keyPair.publicKey,
      close: async () => {
        if (!this.servers.delete(server)) return
        await server.close().catch(noop)
      }
    }
  }

  /** Publishes a small signed record (≤ ~1 KB) under keyPair; seq must grow with each put. */
  async mutablePut (keyPair: KeyPair, value: Buffer, seq: number): Promise<void> {
    this.assertOpen()
    await this.node.mutablePut({ publicKey: keyPair.publicKey, secretKey: keyPair.secretKey }, value, { seq })
  }

  /** The latest record under publicKey with a valid signature, or null when none is found. */
  async mutableGet (publicKey: Buffer): Promise<{ seq: number, value: Buffer } | null> {
    this.assertOpen()
    const found = await this.node.mutableGet(publicKey, { latest: true })
    return found === null ? null : { seq: found.seq, value: found.value }
  }

  /** Every DHT request this node has sent (queries, announces, records, pings): the bench's cost measure. */
  requestsSent (): number {
    return this.node.stats.requests.total
  }

  /**
   * Dial a peer by public key. Failure arrives on the stream ('error' with hyperdht's code, then
   * 'close'): PEER_NOT_FOUND at once (~20 ms) when nobody announces the key (never listened, or
   * closed cleanly); PEER_CONNECTION_FAILED after ~8 s when the peer's firewall rejected us or it
   * died without closing (stale announcement). `direct`: addresses of the peer's own DHT socket. Throws only on a closed node or a bad key.
   */
  connect (remotePublicKey: Buffer, keyPair: KeyPair, opts: { relayThrough?: Buffer | null, forceRelay?: boolean, direct?: HostPort[] } = {}): PeerStream {
    this.assertOpen()
    if (!Buffer.isBuffer(remotePublicKey) || remotePublicKey.length !== 32) {
      throw PsstError.usage('a DHT public key is 32 bytes')
    }
    // hyperdht relays and holepunches in parallel and upgrades to a direct path when one opens;
    // forceRelay (tests) turns holepunching and the fast-open probe off so the relayed path stays.
    const force = opts.forceRelay === true && opts.relayThrough != null
    const stream: PeerStream = this.node.connect(remotePublicKey, {
      ...(force ? { holepunch: () => false, fastOpen: false } : {}),
      keyPair: { publicKey: keyPair.publicKey, secretKey: keyPair.secretKey },
      relayThrough: opts.relayThrough ?? null,
      // The peer's own DHT socket (heard on the LAN): hyperdht asks it first, as it would a node
      // that relays for the key, so the handshake needs no DHT at all; Noise IK still checks the key.
      ...(opts.direct !== undefined && opts.direct.length > 0 ? { relayAddresses: opts.direct.map((a) => ({ host: a.host, port: a.port })) } : {}),
      localConnection: !this.loopback
    })
    stream.on('error', noop)
    return stream
  }

  /** Closes every server (unannouncing its key) and the node. Idempotent. */
  destroy (): Promise<void> {
    if (this.closing === null) this.closing = this.close()
    return this.closing
  }

  override on (event: 'state', fn: (s: DhtState) => void): this
  override on (event: string | symbol, fn: (...args: any[]) => void): this
  override on (event: string | symbol, fn: (...args: any[]) => void): this { return super.on(event, fn) }

  private async close (): Promise<void> {
    const servers = [...this.servers]
    this.servers.clear()
    // Closing a server unannounces its key, so dialers get PEER_NOT_FOUND at once instead of a
    // timeout; with the network gone that takes ~4 s, so it gets a bounded grace period.
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>(resolve => { timer = setTimeout(resolve, UNANNOUNCE_GRACE) })
    await Promise.race([Promise.allSettled(servers.map(s => s.close())), grace])
    clearTimeout(timer)
    await this.node.destroy({ force: true }).catch(noop)
    this.waiting = false
    this.update()
  }

  private async firstBootstrap (timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })
    const done = this.node.fullyBootstrapped()
    try {
      await Promise.race([done, timedOut])
    } finally {
      clearTimeout(timer)
      this.waiting = false
      this.update()
    }
    // After a timeout hyperdht goes on bootstrapping (and refreshing) on its own.
    done.then(() => this.update(), noop)
  }

  private update (): void {
    const next = this.computeState()
    if (next === this.current) return
    this.current = next
    this.emit('state', next)
  }

  private computeState (): DhtState {
    if (this.closing !== null || this.node.destroyed) return 'offline'
    if (this.waiting) return 'bootstrapping'
    return this.node.nodes.length > 0 && this.node.online ? 'online' : 'offline'
  }

  private assertOpen (): void {
    if (this.closing !== null || this.node.destroyed) throw PsstError.internal('the DHT node is shut down')
  }
}

function buildDht (opts: DhtNodeOptions, host: string | undefined): HyperDHT {
  const bootstrap = opts.bootstrap?.map(b => ({ host: b.host, port: b.port }))
  if (opts.bootstrapper === true) {
    if (host === undefined || host === '0.0.0.0' || opts.port === undefined || opts.port === 0) {
      throw PsstError.usage('a bootstrap node needs an explicit IPv4 host and port')
    }
    return HyperDHT.bootstrapper(opts.port, host, { host, bootstrap: bootstrap ?? [] })
  }
  return new HyperDHT({
    // Never `false`: hyperdht reads it as "the public network". Omitted = public.
    ...(bootstrap !== undefined ? { bootstrap } : {}),
    ...(host !== undefined ? { host } : {}),
    port: opts.port === undefined || opts.port === 0 ? portRangeAvoiding(opts.bootstrap) : opts.port,
    ...(opts.firewalled !== undefined ? { firewalled: opts.firewalled } : {}),
    ephemeral: opts.ephemeral ?? true
  })
}

function accept (stream: PeerStream, onConnection: (s: PeerStream) => void): void {
  stream.on('error', noop)
  try {
    onConnection(stream)
  } catch {
    stream.destroy()
  }
}

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
