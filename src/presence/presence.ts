/**
 * Presence privacy (docs/design.md, Presence privacy): the daemon never announces its identity key.
 *
 * - Friends meet me on a device key (a random key pair, rotated daily and when a friend is removed).
 *   For each friend I publish a pointer to it: a mutable DHT record under a key pair only the two
 *   of us can derive, encrypted with a key only the two of us can derive (src/crypto/meet.ts). The
 *   device key's firewall admits known peers only.
 * - Friend requests arrive on a request key derived from my public key and my current nospam,
 *   while `psst requests on` (the default).
 * - Migration: friends I had before this scheme may still run an older psst that dials my identity
 *   key. For LEGACY_WINDOW_MS after the upgrade, and only while some of them have not met me on the
 *   new keys, I also listen on the identity key (friends only) and dial them there when their
 *   record is missing.
 *
 * One Presence per daemon (src/daemon/daemon.ts); `psst requests on|off` reaches it, or the stored
 * record when no daemon runs, through setRequestsOpen.
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import { randomBytes } from 'node:crypto'
import { dhtKeyPair, type DhtNode, type Listening, type KeyPair, type ListenOptions } from '../net/dht-node.js'
import { MeetRecords, type PresenceRecord } from '../wire/meet.js'
import { friendshipSecret, meetingRecordKeyPair, meetingRecordBoxKey, requestKeySeed } from '../crypto/meet.js'
import { toHex } from '../crypto/identity.js'
import { encrypt, decrypt } from '../crypto/aead.js'
import { cryptoReady } from '../crypto/sodium.js'

/** Friends from before the upgrade may reach my identity key for this long (docs/design.md). */
export const LEGACY_WINDOW_MS = 14 * 24 * 3600_000
/** The device key is replaced after this long, so an old pointer stops telling anything. */
export const DEVICE_KEY_LIFETIME_MS = 24 * 3600_000
/** Each pointer is put again after this long: hyperdht keeps a record ~48 h, and its nodes come and go. */
export const RECORD_REFRESH_MS = 6 * 3600_000
/** How often the publications, the device key's age and the migration window are looked at. */
const SYNC_MS = 60_000
/** Pointer puts in flight at once (each is a DHT query and its commits). */
const PUBLISH_CONCURRENCY = 4
/**
 * A friend with no pointer (or only a stale one) is offline; when it comes online it puts a fresh
 * pointer and dials me itself. So after this many failed dials it is looked up only every
 * ABSENT_POLL_MS (jittered), not on the 60 s backoff: the lookups are most of a daemon's DHT
 * traffic (docs/bench.md, Presence privacy).
 */
const ABSENT_AFTER_ATTEMPTS = 4
export const ABSENT_POLL_MS = 5 * 60_000
/** A pointer put that failed is tried again this soon: until it lands, that friend cannot find me. */
const PUT_RETRY_MS = 10_000

const running = new WeakMap<Messenger, Presence>()

interface Published { deviceKey: Buffer, at: number }

/** The stored record, made on first use: its friends at that moment are the legacy set. */
export async function loadPresenceRecord (m: Messenger): Promise<PresenceRecord> {
  const stored = await m.store.loadPresence()
  if (stored !== null) return stored
  const legacy = [...m.friends.values()].map((rt) => rt.rec.publicKey)
  const rec: PresenceRecord = {
    requestsOpen: true,
    legacyUntil: legacy.length > 0 ? m.now() + LEGACY_WINDOW_MS : 0,
    legacy,
    deviceSeed: randomBytes(32),
    deviceSince: m.now()
  }
  await m.write([m.store.presenceOp(rec)])
  return rec
}

/** `psst requests on|off` (undefined: just read). Applies at once when the daemon runs. */
export async function setRequestsOpen (m: Messenger, open: boolean | undefined): Promise<{ open: boolean }> {
  const live = running.get(m)
  if (live !== undefined) return await live.setRequestsOpen(open)
  const rec = await loadPresenceRecord(m)
  if (open !== undefined && open !== rec.requestsOpen) {
    rec.requestsOpen = open
    await m.write([m.store.presenceOp(rec)])
  }
  return { open: rec.requestsOpen }
}

/**
 * The key friends reach this daemon on (null before it listens): a direct dial that skips the DHT
 * lookup (LAN discovery) must dial this key, never the identity key.
 */
export function deviceKeyOf (m: Messenger): Buffer | null {
  return running.get(m)?.deviceKey ?? null
}

/** Whether the running daemon takes friend requests (`psst requests on`); false without one. */
export function requestsOpenOf (m: Messenger): boolean {
  return running.get(m)?.requestsOpen ?? false
}

/** The nospam changed: the request key follows it (no-op without a running daemon). */
export function nospamChanged (m: Messenger): void {
  running.get(m)?.reconfigure()
}

export class Presence {
  readonly #m: Messenger
  readonly #dht: DhtNode
  readonly #listenOptions: ListenOptions
  #rec: PresenceRecord
  #device: KeyPair
  #deviceServer: Listening | null = null
  #requestServer: Listening | null = null
  #legacyServer: Listening | null = null
  readonly #published = new Map<string, Published>()
  readonly #queue: Peer[] = []
  readonly #queued = new Set<string>()
  #active = 0
  readonly #secrets = new Map<string, Buffer>()
  /** Friends whose last lookup found no pointer, or whose pointer named a key nobody announces. */
  readonly #absent = new Set<string>()
  readonly #onState: (s: string) => void
  #timer: NodeJS.Timeout | null = null
  #reconfiguring: Promise<void> = Promise.resolve()
  #closed = false
  readonly #onFriends: (e: { type: string }) => void

  private constructor (m: Messenger, dht: DhtNode, rec: PresenceRecord, listenOptions: ListenOptions) {
    this.#m = m
    this.#dht = dht
    this.#listenOptions = listenOptions
    this.#rec = rec
    this.#device = dhtKeyPair(rec.deviceSeed)
    this.#onFriends = (e) => { if (e.type === 'friend-removed') void this.#rotate().catch(() => {}) }
    this.#onState = (s) => { if (s === 'online') this.#networkBack() }
  }

  /** Listens where friends and requesters can reach me and takes over how friends are dialled. */
  static async start (m: Messenger, dht: DhtNode, listenOptions: ListenOptions = {}): Promise<Presence> {
    // Pointers need libsodium (~0.4 s to load under load): the daemon listens meanwhile.
    const sodium = cryptoReady()
    const p = new Presence(m, dht, await loadPresenceRecord(m), listenOptions)
    running.set(m, p)
    m.connections.route = async (rt) => await p.#route(rt)
    m.connections.routed = (rt, key, opened, err) => p.#routed(rt, key, opened, err)
    m.connections.minRedialMs = (rt) => p.#minRedialMs(rt)
    m.on('event', p.#onFriends)
    dht.on('state', p.#onState)
    if (m.now() - p.#rec.deviceSince > DEVICE_KEY_LIFETIME_MS) await p.#newDeviceKey()
    await p.#configure()
    p.#timer = setInterval(() => p.#sync(), SYNC_MS)
    p.#timer.unref()
    void sodium.then(() => p.#sync(), () => {})
    return p
  }

  get deviceKey (): Buffer { return this.#device.publicKey }

  get requestsOpen (): boolean { return this.#rec.requestsOpen }

  async stop (): Promise<void> {
    this.#closed = true
    running.delete(this.#m)
    this.#m.off('event', this.#onFriends)
    this.#dht.off('state', this.#onState)
    if (this.#timer !== null) clearInterval(this.#timer)
    await this.#reconfiguring
    await Promise.allSettled([this.#deviceServer, this.#requestServer, this.#legacyServer].map(async (s) => await s?.close()))
  }

  async setRequestsOpen (open: boolean | undefined): Promise<{ open: boolean }> {
    if (open !== undefined && open !== this.#rec.requestsOpen) {
      this.#rec.requestsOpen = open
      await this.#save()
      await this.reconfigure()
    }
    return { open: this.#rec.requestsOpen }
  }

  /**
   * Brings the servers in line with the settings (serialised: a change during one waits for it).
   * Never rejects: a listen that fails (the network is gone) is logged and tried again at the next sync.
   */
  reconfigure (): Promise<void> {
    this.#reconfiguring = this.#reconfiguring.then(async () => await this.#configure()).catch((err: unknown) => {
      this.#m.count('presence-listen-failed')
      this.#m.log(`presence: cannot listen: ${err instanceof Error ? err.message : String(err)}`)
    })
    return this.#reconfiguring
  }

  /** The three servers are independent: each announce takes DHT round trips, so they go in parallel. */
  async #configure (): Promise<void> {
    if (this.#closed) return
    await Promise.all([this.#configureDevice(), this.#configureRequests(), this.#configureLegacy()])
  }

  async #configureDevice (): Promise<void> {
    if (this.#deviceServer !== null && this.#deviceServer.publicKey.equals(this.#device.publicKey)) return
    const old = this.#deviceServer
    this.#deviceServer = await this.#dht.listen(this.#device, (pk) => this.#m.connections.friendsOnly(pk), (s) => this.#incoming(s), this.#listenOptions)
    await old?.close()
  }

  async #configureRequests (): Promise<void> {
    const m = this.#m
    const requestKey = this.#rec.requestsOpen ? dhtKeyPair(requestKeySeed(m.profile.publicKey, m.profile.nospam)) : null
    if (this.#requestServer !== null && (requestKey === null || !this.#requestServer.publicKey.equals(requestKey.publicKey))) {
      await this.#requestServer.close()
      this.#requestServer = null
    }
    if (requestKey !== null && this.#requestServer === null) {
      this.#requestServer = await this.#dht.listen(requestKey, (pk) => m.firewall(pk), (s) => m.attach(s), this.#listenOptions)
    }
  }

  async #configureLegacy (): Promise<void> {
    const m = this.#m
    const legacy = this.#legacyActive()
    if (!legacy && this.#legacyServer !== null) {
      await this.#legacyServer.close()
      this.#legacyServer = null
    }
    if (legacy && this.#legacyServer === null) {
      this.#legacyServer = await this.#dht.listen(m.keyPair, (pk) => m.connections.friendsOnly(pk), (s) => m.attach(s), this.#listenOptions)
    }
  }

  /** A friend reached my device key: it runs this scheme, so it needs my identity key no more. */
  #incoming (stream: Parameters<Messenger['attach']>[0]): void {
    this.#metOnNewKeys(toHex(stream.remotePublicKey))
    this.#m.attach(stream)
  }

  #routed (rt: Peer, key: Buffer, opened: boolean, err: Error | null): void {
    if (opened) {
      this.#absent.delete(rt.hex)
      if (!key.equals(rt.rec.publicKey)) this.#metOnNewKeys(rt.hex)
    } else if ((err as { code?: string } | null)?.code === 'PEER_NOT_FOUND') {
      this.#absent.add(rt.hex)
    }
  }

  #minRedialMs (rt: Peer): number {
    // A friend from before the upgrade may not put a pointer or dial my device key: polled as before.
    const settled = (rt.rec.state === 'friends' || rt.rec.state === 'key-added') && !this.#isLegacy(rt.hex)
    if (!settled || !this.#absent.has(rt.hex) || rt.dialAttempts < ABSENT_AFTER_ATTEMPTS) return 0
    return Math.round(ABSENT_POLL_MS * (0.5 + this.#m.random() / 2))
  }

  /** Back from no network: every lookup that found nothing may have failed for that alone. */
  #networkBack (): void {
    if (this.#closed || this.#absent.size === 0) return
    this.#absent.clear()
    this.#m.connections.redialAll(this.#m.friends.values())
  }

  #legacyActive (): boolean {
    return this.#rec.legacy.length > 0 && this.#m.now() < this.#rec.legacyUntil
  }

  #isLegacy (hex: string): boolean {
    return this.#legacyActive() && this.#rec.legacy.some((k) => toHex(k) === hex)
  }

  #metOnNewKeys (hex: string): void {
    const before = this.#rec.legacy.length
    this.#rec.legacy = this.#rec.legacy.filter((k) => toHex(k) !== hex)
    if (this.#rec.legacy.length === before) return
    void this.#save().then(async () => await this.reconfigure(), () => {})
  }

  /**
   * The DHT key to dial a peer on: its request key while my request waits, else the device key its
   * pointer names. A friend from before the upgrade is tried on its identity key every other time.
   */
  async #route (rt: Peer): Promise<Buffer | null> {
    await cryptoReady()
    this.#ensurePublished(rt)
    const legacy = this.#isLegacy(rt.hex)
    if (legacy && rt.dialAttempts % 2 === 1) return rt.rec.publicKey
    const key = rt.rec.state === 'request-sent'
      ? dhtKeyPair(requestKeySeed(rt.rec.publicKey, rt.rec.requestNospam)).publicKey
      : await this.#lookup(rt)
    return key ?? (legacy ? rt.rec.publicKey : null)
  }

  /** The device key a friend's pointer for me names, or null (none found, or not readable). */
  async #lookup (rt: Peer): Promise<Buffer | null> {
    const secret = this.#secret(rt)
    const recordKey = meetingRecordKeyPair(secret, rt.rec.publicKey).publicKey
    let found: { value: Buffer } | null
    try {
      found = await this.#dht.mutableGet(recordKey)
    } catch {
      return null
    }
    this.#m.count('meeting-lookups')
    if (found === null) { this.#absent.add(rt.hex); return null }
    const plain = decrypt(meetingRecordBoxKey(secret, rt.rec.publicKey), found.value, recordKey)
    const pointer = plain === null ? null : MeetRecords.pointer.decode(plain)
    if (pointer === null) this.#m.count('meeting-records-unreadable')
    return pointer?.deviceKey ?? null
  }

  #secret (rt: Peer): Buffer {
    let s = this.#secrets.get(rt.hex)
    if (s === undefined) {
      s = friendshipSecret(this.#m.profile.secretKey, rt.rec.publicKey)
      this.#secrets.set(rt.hex, s)
    }
    return s
  }

  /** Every peer gets a pointer to the current device key, put again before the DHT forgets it. */
  #sync (): void {
    if (this.#closed) return
    const now = this.#m.now()
    if (now - this.#rec.deviceSince > DEVICE_KEY_LIFETIME_MS) { void this.#rotate().catch(() => {}); return }
    for (const rt of this.#m.friends.values()) this.#ensurePublished(rt)
    for (const hex of this.#published.keys()) if (!this.#m.friends.has(hex)) this.#published.delete(hex)
    // Closes the identity key once the window ends, and retries a listen that failed.
    void this.reconfigure()
  }

  #ensurePublished (rt: Peer): void {
    const done = this.#published.get(rt.hex)
    const fresh = done !== undefined && done.deviceKey.equals(this.#device.publicKey) && this.#m.now() - done.at < RECORD_REFRESH_MS
    if (fresh || this.#queued.has(rt.hex) || this.#closed) return
    this.#queued.add(rt.hex)
    this.#queue.push(rt)
    this.#pump()
  }

  #pump (): void {
    while (this.#active < PUBLISH_CONCURRENCY && this.#queue.length > 0) {
      const rt = this.#queue.shift()!
      this.#active++
      void this.#publish(rt).finally(() => {
        this.#active--
        this.#queued.delete(rt.hex)
        this.#pump()
      })
    }
  }

  async #publish (rt: Peer): Promise<void> {
    await cryptoReady()
    if (this.#closed || this.#m.friends.get(rt.hex) !== rt) return
    const me = this.#m.profile.publicKey
    const secret = this.#secret(rt)
    const recordKeys = meetingRecordKeyPair(secret, me)
    const deviceKey = this.#device.publicKey
    const now = this.#m.now()
    const sealed = encrypt(meetingRecordBoxKey(secret, me), MeetRecords.pointer.encode({ deviceKey, issuedAt: now }), recordKeys.publicKey)
    try {
      await this.#dht.mutablePut(recordKeys, sealed, now)
      this.#published.set(rt.hex, { deviceKey, at: now })
      this.#m.count('meeting-records-put')
    } catch {
      this.#m.count('meeting-record-put-failed')
      setTimeout(() => this.#ensurePublished(rt), PUT_RETRY_MS).unref()
    }
  }

  /** A new device key: listened on, then announced to every friend through their pointers. */
  async #rotate (): Promise<void> {
    if (this.#closed) return
    await this.#newDeviceKey()
    await this.reconfigure()
    this.#sync()
  }

  async #newDeviceKey (): Promise<void> {
    this.#rec.deviceSeed = randomBytes(32)
    this.#rec.deviceSince = this.#m.now()
    this.#device = dhtKeyPair(this.#rec.deviceSeed)
    await this.#save()
  }

  async #save (): Promise<void> {
    await this.#m.write([this.#m.store.presenceOp(this.#rec)])
  }
}
