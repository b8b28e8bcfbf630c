import { EventEmitter } from 'node:events'
import type { ProfileStore } from '../storage/profile-store.js'
import type { DhtNode } from '../net/dht-node.js'
import type { PeerStream } from '../net/peer-stream.js'
import type { ProfileRecord, FriendRecord, StoredFriend, StreamRecord, RequestRecord, BlockRecord } from '../wire/records.js'
import type { Frame } from '../wire/frames.js'
import type { StoreOp as Op } from '../storage/profile-store.js'
import type { PsstEvent, DaemonStatus, DhtInfo, NetworkSettings } from '../wire/api.js'
import { REQUEST_FLOOD_ADVICE } from '../wire/api.js'
import { WriteQueue } from '../storage/write-queue.js'
import { PING_INTERVAL_MS, type Link } from '../net/link.js'
import { Connections, type DialOptions } from '../net/connections.js'
import { Peer, type PeerHost, type PeerStreams } from './peer.js'
import { noStream } from '../wire/frames.js'
import { toHex } from '../crypto/identity.js'
import { PROTOCOL_VERSION } from '../wire/limits.js'
import { MAX_BAD_FRAMES } from '../net/channel.js'
import { DiskGuard } from './disk-guard.js'

/** Pending incoming requests kept at most (docs/reliability.md, policy 5). */
export const MAX_PENDING_REQUESTS = 100
/** A request flood with nothing new for this long is over; the next one is told again. */
const FLOOD_QUIET_MS = 10 * 60_000

export interface MessengerDeps {
  store: ProfileStore
  profile: ProfileRecord
  dht: DhtNode | null
  bootstrap: string[]
  now?: () => number
  random?: () => number
  log?: (line: string) => void
}

/**
 * The registry of peers and the wiring around them: identity, friends (one Peer each), requests,
 * blocks, counters, the write queue and the event stream. A peer's state is the Peer's own
 * (peer.ts); behaviour lives in the modules that take a Messenger (friends-service, delivery;
 * dialling is src/net/connections.ts).
 */
export class Messenger extends EventEmitter implements PeerHost {
  readonly store: ProfileStore
  profile: ProfileRecord
  dht: DhtNode | null
  readonly bootstrap: string[]
  /** The network settings this daemon runs with (set by the daemon before the socket answers). */
  network: NetworkSettings = { bootstrap: null, dhtHost: null }
  readonly now: () => number
  readonly random: () => number
  readonly log: (line: string) => void
  readonly friends = new Map<string, Peer>()
  readonly requests = new Map<string, RequestRecord>()
  readonly blocks = new Map<string, BlockRecord>()
  readonly counters: Record<string, number> = {}
  /** Dialling, the tie-break, strangers' slots and the firewall (src/net/connections.ts). */
  readonly connections: Connections<Peer>
  readonly writes: WriteQueue
  /** Rolls in-memory marks back to the disk when a write fails, and resumes when it can (disk-guard.ts). */
  readonly disk: DiskGuard
  profileDirty = false
  /** A friend-request flood in progress (issue 15): when it began, when it was last seen. */
  requestFlood: { since: number, last: number } | null = null
  closing = false
  #heartbeat: NodeJS.Timeout | null = null
  /**
   * Sees every event first and may rewrite or swallow it (src/devices: a friend's other device
   * speaks as that friend). While set, events are built even with no client listening.
   */
  eventTap: ((event: PsstEvent) => PsstEvent | null) | null = null
  /** Peers the machinery runs but people never see as friends (src/devices: a friend's other devices). */
  hiddenPeer: (hex: string) => boolean = () => false
  frameHandler: (link: Link, frame: Frame) => void = () => {}
  openHandler: (link: Link) => void = () => {}

  constructor (deps: MessengerDeps) {
    super()
    this.setMaxListeners(0)
    this.store = deps.store
    this.profile = deps.profile
    this.dht = deps.dht
    this.bootstrap = deps.bootstrap
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? Math.random
    this.log = deps.log ?? (() => {})
    this.disk = new DiskGuard(this)
    this.writes = new WriteQueue((ops) => this.store.apply(ops), {
      committed: () => this.disk.committed(),
      failed: (err) => this.disk.failed(err)
    })
    this.connections = this.#connections()
  }

  #connections (): Connections<Peer> {
    return new Connections<Peer>({
      localKey: () => this.profile.publicKey,
      now: () => this.now(),
      random: () => this.random(),
      closing: () => this.closing,
      dialer: () => {
        const dht = this.dht
        return dht === null ? null : (remote: Buffer, opts: DialOptions) => dht.connect(remote, this.keyPair, opts)
      },
      peer: (hex) => this.friends.get(hex),
      remoteKey: (rt) => rt.rec.publicKey,
      // While nothing can be stored, friends keep their messages queued until the disk takes them.
      refused: (hex) => (this.blocks.has(hex) && !this.blocks.get(hex)!.declinedOnly) || this.disk.refusing,
      blocked: (hex) => this.blocks.has(hex),
      // Until they accept (or while the friendship is not settled) I am a stranger to them.
      slowRedial: (rt) => rt.rec.state !== 'friends',
      handlers: {
        onOpen: (l: Link) => this.openHandler(l),
        onFrame: (l: Link, f: Frame) => this.frameHandler(l, f),
        onDrop: (_l: Link, reason: string) => this.count(reason)
      },
      linked: (rt) => { rt.out.relinked() },
      unlinked: (rt) => this.#offline(rt),
      count: (counter) => this.count(counter),
      flood: (why) => this.noteRequestFlood(why)
    })
  }

  /** The friends (and pending requests of mine) people see: every peer but the hidden ones. */
  visibleFriends (): Peer[] {
    return [...this.friends.values()].filter((rt) => !this.hiddenPeer(rt.hex))
  }

  /** Links to strangers (keys that are not friends), each on a timer to deliver a request. */
  get strangers (): Set<Link> { return this.connections.strangers }

  /** The DHT arrives after the control socket answers, so commands never wait on bootstrap. */
  setDht (dht: DhtNode): void {
    this.dht = dht
    dht.on('state', (state) => this.emitEvent({ type: 'dht', state }))
  }

  get keyPair (): { publicKey: Buffer, secretKey: Buffer } {
    return { publicKey: this.profile.publicKey, secretKey: this.profile.secretKey }
  }

  get publicHex (): string { return toHex(this.profile.publicKey) }

  async load (): Promise<void> {
    const streams = new Map<string, StreamRecord>()
    for (const s of await this.store.loadStreams()) streams.set(toHex(s.conversation) + toHex(s.author), s)
    const migrated: Peer[] = []
    for (const rec of await this.store.loadFriends()) {
      const hex = toHex(rec.publicKey)
      const mine = streams.get(hex + this.publicHex)
      const theirs = streams.get(hex + hex)
      const rt = this.newPeer(rec, chatStreams(rec, mine, theirs))
      if (mine === undefined || theirs === undefined || rec.lastSentSeq !== undefined) migrated.push(rt)
      this.disk.loaded(rt)
      // Only a friend with messages in flight has outbox entries (a receipt deletes what it covers).
      if (rt.out.unacknowledged) rt.out.loadRanges(await this.store.outboxRanges(rec.publicKey))
      this.friends.set(rt.hex, rt)
    }
    // Friend records of versions 1–3 held the streams' marks: each friend's record and its two
    // streams' records are written together (one batch), so no state between the two is ever on disk.
    for (const rt of migrated) rt.save()
    if (migrated.length > 0) {
      this.count('friends-migrated', migrated.length)
      this.log(`profile: ${migrated.length} friend records moved to the current format`)
    }
    for (const rec of await this.store.loadRequests()) this.requests.set(toHex(rec.publicKey), rec)
    for (const rec of await this.store.loadBlocks()) this.blocks.set(toHex(rec.publicKey), rec)
    this.disk.checkAtStart()
    this.#heartbeat = setInterval(() => this.#beat(), PING_INTERVAL_MS)
    this.#heartbeat.unref()
  }

  emitEvent (event: PsstEvent): void {
    if (this.eventTap !== null) {
      const tapped = this.eventTap(event)
      if (tapped === null) return
      event = tapped
    }
    this.emit('event', event)
    // Internal listeners follow one type, so they do not make the hot path build every event.
    if (event.type === 'presence') this.emit('presence', event)
    else if (event.type === 'friend-added' || event.type === 'friend-removed') this.emit('friends-changed')
  }

  /**
   * A frame that decodes but does not belong in this link's state: dropped and counted, and a
   * peer that keeps doing it is disconnected (docs/reliability.md, policy 2).
   */
  strike (link: Link, counter: string): void {
    this.count(counter)
    if (++link.strikes >= MAX_BAD_FRAMES) {
      this.count('links-closed-for-bad-frames')
      link.destroy()
    }
  }

  /** False when no client listens: the hot path then skips building events (ids in hex, entries). */
  get wantsEvents (): boolean {
    return this.eventTap !== null || this.listenerCount('event') > 0
  }

  count (name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n
  }

  /** A peer of this messenger (not yet registered: the caller adds it to `friends`). */
  newPeer (rec: FriendRecord, streams: PeerStreams): Peer { return new Peer(rec, streams, this) }

  get localKey (): Buffer { return this.profile.publicKey }

  /**
   * What a peer saves one of its records with: queued for the next batch (with `defer`: the next
   * batch that comes, or shortly), encoded when the batch is made, so a burst encodes it once. A
   * peer removed meanwhile is not written back.
   */
  saver (rt: Peer, key: string, encode: () => Op): (defer: boolean) => void {
    const encoded = (): Op | null => {
      if (this.friends.get(rt.hex) !== rt || !rt.current) return null
      this.disk.staged(rt)
      return encode()
    }
    return (defer) => this.writes.save(key, encoded, defer)
  }

  friendOp (rec: FriendRecord): Op { return this.store.friendOp(rec) }
  streamOp (rec: StreamRecord): Op { return this.store.streamOp(rec) }

  /** Saves the profile record through the same queue; resolves once it is on disk. */
  saveProfile (): Promise<void> {
    this.writes.save('profile', () => this.store.profileOp(this.profile))
    return this.write([])
  }

  /** Queues ops (with the records saved so far) and runs `after` once they are on disk. */
  write (ops: Op[], after?: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push(ops, () => { after?.(); resolve() }, reject)
    })
  }

  hello (rt: Peer): Frame {
    const p = this.profile
    return {
      type: 'hello',
      version: PROTOCOL_VERSION,
      name: p.name,
      status: p.status,
      statusMessage: p.statusMessage,
      recvUpTo: rt.in.stored,
      mailbox: p.mailbox,
      stream: rt.out.id,
      base: rt.out.ackedUpTo,
      recvStream: rt.in.id
    }
  }

  /** Attaches a new stream: keeps one link per key (the tie-break of docs/design.md, Network). */
  attach (stream: PeerStream): void { this.connections.attach(stream) }

  /**
   * Many strangers at once (the links' cap reached, the admission rate, or the pending cap): told
   * once per flood, with what to do about it (rotate the nospam).
   */
  noteRequestFlood (_why: string): void {
    const now = this.now()
    const fresh = this.requestFlood === null || now - this.requestFlood.last > FLOOD_QUIET_MS
    if (fresh) this.requestFlood = { since: now, last: now }
    else this.requestFlood!.last = now
    if (!fresh) return
    this.count('request-floods')
    this.log('friend-request flood: many unknown keys at once')
    this.emitEvent({ type: 'warning', message: REQUEST_FLOOD_ADVICE })
  }

  #offline (rt: Peer): void {
    if (rt.wentOffline(this.now())) {
      this.emitEvent({ type: 'presence', publicKey: rt.hex, name: rt.rec.name, online: false, status: rt.rec.status, statusMessage: rt.rec.statusMessage })
    }
  }

  /** Dials a friend now if not connected; on failure retries with jittered backoff. */
  dial (rt: Peer): void { this.connections.dial(rt) }

  scheduleDial (rt: Peer, soon: boolean): void { this.connections.scheduleDial(rt, soon) }

  /** Refuses what must never get in; admits friends, keys we asked, and rate-limited strangers. */
  firewall (remotePublicKey: Buffer): boolean { return this.connections.firewall(remotePublicKey) }

  dhtInfo (): DhtInfo {
    const address = this.dht?.address() ?? { host: null, port: null }
    return { state: this.dht?.state ?? 'offline', host: address.host, port: address.port, bootstrap: this.bootstrap, ...(this.dht !== null ? { requests: this.dht.requestsSent() } : {}) }
  }

  status (): DaemonStatus {
    let online = 0
    for (const rt of this.visibleFriends()) if (rt.online) online++
    return {
      running: true,
      network: this.network,
      pid: process.pid,
      publicKey: this.publicHex,
      dht: this.dhtInfo(),
      friendsOnline: online,
      ...(this.requestFlood !== null && this.now() - this.requestFlood.last <= FLOOD_QUIET_MS ? { requestFlood: { ...this.requestFlood } } : {}),
      counters: { ...this.counters, 'corrupt-records': this.store.corrupt },
      storage: this.disk.info()
    }
  }

  #beat (): void {
    const now = this.now()
    for (const rt of this.friends.values()) if (rt.link !== null && rt.link.ready) rt.link.heartbeat(now)
  }

  async close (): Promise<void> {
    this.closing = true
    this.disk.close()
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    for (const rt of this.friends.values()) rt.close()
    this.connections.close()
    await this.writes.flushed()
  }
}

/**
 * A friend's two chat streams from their records, or (a friend record of versions 1–3, before
 * streams had records of their own) from the marks the old record held.
 */
function chatStreams (rec: StoredFriend, mine: StreamRecord | undefined, theirs: StreamRecord | undefined): PeerStreams {
  return {
    out: mine !== undefined
      ? { id: mine.id, lastSeq: mine.upTo, ackedUpTo: mine.ackedUpTo }
      : { id: rec.sendStream ?? noStream(), lastSeq: rec.lastSentSeq ?? 0, ackedUpTo: rec.ackedUpTo ?? 0 },
    in: theirs !== undefined
      ? { id: theirs.id, upTo: theirs.upTo }
      : { id: rec.recvStream ?? noStream(), upTo: rec.recvUpTo ?? 0 }
  }
}

export type { FriendRecord }

