/**
 * LAN discovery (docs/design.md, LAN discovery): beacons that let friends on one network find
 * each other with no DHT at all, and let a holder of my current ID deliver a friend request.
 * It knows nothing of friends or dialling beyond what LanHost gives it: on a match it says
 * "found" and the host dials the address this module then hands out.
 */
import { randomBytes } from '../crypto/identity.js'
import { lanFriendKey, lanRequestKey, lanTag, LAN_NONCE_BYTES, LAN_TAG_BYTES } from '../crypto/lan-tag.js'
import type { KeyPair } from '../crypto/identity.js'
import { encodeBeacon, decodeBeacon, paddedTagCount, addressBytes, MAX_BEACON_TAGS, type Beacon } from './beacon.js'
import { BeaconSockets, type LanConfig } from './sockets.js'

/** While the DHT is unreachable: friends on the LAN find each other within seconds. */
export const FAST_BEACON_MS = 2000
/** While the DHT works: enough to prefer the LAN path, rare enough to be no noise. */
export const SLOW_BEACON_MS = 30_000
/** A friend not heard for this long is no longer taken to be on the LAN. */
const ADDRESS_TTL_MS = 3 * SLOW_BEACON_MS
/** Beacons read per second at most; the rest are counted drops (a flood costs little). */
const MAX_BEACONS_PER_S = 50
/** Addresses remembered as beaconing: a LAN's worth. */
const MAX_HEARD = 1024
/** My own recent nonces: my broadcast comes back to me. */
const OWN_NONCES = 16

export interface LanPeer {
  hex: string
  publicKey: Buffer
  linked: boolean
  /** Set while my friend request to them waits: their ID's nospam, for their request tag. */
  requestNospam: Buffer | null
}

export interface LanHost {
  keyPair: () => KeyPair
  /** The key friends dial me on (the device key), or null for the identity key. */
  dialKey: () => Buffer | null
  nospam: () => Buffer
  /** Whether strangers with my current ID may find me for a request. */
  requestsOpen: () => boolean
  /** The DHT socket: its bound IPv4 address (null = all) and port; null while there is none. */
  dht: () => { host: string | null, port: number, online: boolean } | null
  peers: () => Iterable<LanPeer>
  /** A beacon of this peer arrived (and it is not linked): dial it now. */
  found: (hex: string) => void
  count: (counter: string) => void
  now: () => number
  random: () => number
}

export interface LanAddress { host: string, port: number, key: Buffer | null, at: number }

export class LanDiscovery {
  readonly #host: LanHost
  readonly #config: LanConfig
  #sockets: BeaconSockets | null = null
  #timer: NodeJS.Timeout | null = null
  #closed = false
  readonly #friendKeys = new Map<string, Buffer | null>()
  readonly #addresses = new Map<string, LanAddress>()
  readonly #ownNonces: Buffer[] = []
  /** Addresses beacons came from or named; bounded (oldest forgotten first). */
  readonly #heard = new Set<string>()
  #rotation = 0
  #dueAt = 0
  #window = { start: 0, used: 0 }

  constructor (host: LanHost, config: LanConfig) {
    this.#host = host
    this.#config = config
  }

  /** Opens the sockets and starts beaconing; resolves with what could not be bound (for the log). */
  async start (): Promise<string[]> {
    const { sockets, problems } = await BeaconSockets.open(this.#config, (data, from, family) => this.receive(data, from, family), (c) => this.#host.count(c))
    if (this.#closed) { sockets.close(); return problems }
    this.#sockets = sockets
    if (sockets.open) this.#schedule(0)
    return problems
  }

  /** Beacon soon (a friend went offline, a request was queued): shortens the wait, never lengthens it. */
  nudge (): void {
    if (this.#closed || this.#sockets === null) return
    this.#schedule(100 + Math.round(this.#host.random() * 400))
  }

  /** Where this peer's beacons last said to dial it, while fresh. */
  addressOf (hex: string): LanAddress | null {
    const a = this.#addresses.get(hex)
    return a === undefined || this.#host.now() - a.at > ADDRESS_TTL_MS ? null : a
  }

  /**
   * Whether psst beacons came from this address (any daemon's, mine to find or not): a link to
   * it runs over the LAN. A friend found by my beacon never needs to send me one of its own.
   */
  heardFrom (host: string): boolean {
    return this.#heard.has(host)
  }

  close (): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#sockets?.close()
    this.#sockets = null
  }

  /** One datagram from the LAN port: a beacon of a friend, of someone I asked, or a counted drop. */
  receive (data: Buffer, from: string, family: 'IPv4' | 'IPv6' = 'IPv4'): void {
    if (this.#closed) return
    if (!this.#admit()) { this.#host.count('lan-beacon-rate'); return }
    const read = decodeBeacon(data)
    if ('drop' in read) { this.#host.count(read.drop); return }
    const b = read.beacon
    if (this.#ownNonces.some((n) => n.equals(b.nonce))) return
    this.#host.count(family === 'IPv4' ? 'lan-beacons-heard-ipv4' : 'lan-beacons-heard-ipv6')
    const host = b.host !== '' ? b.host : ipv4Of(from)
    if (host === null) { this.#host.count('lan-beacon-no-ipv4'); return }
    this.#noteHeard(host)
    const source = ipv4Of(from)
    if (source !== null) this.#noteHeard(source)
    const hex = this.#match(b)
    if (hex === null) { this.#host.count('lan-beacons-unmatched'); return }
    this.#host.count('lan-beacons-matched')
    this.#addresses.set(hex, { host, port: b.port, key: b.key, at: this.#host.now() })
    this.#host.found(hex)
  }

  #noteHeard (host: string): void {
    this.#heard.delete(host)
    this.#heard.add(host)
    if (this.#heard.size > MAX_HEARD) this.#heard.delete(this.#heard.values().next().value!)
  }

  #admit (): boolean {
    const now = this.#host.now()
    if (now - this.#window.start >= 1000) this.#window = { start: now, used: 0 }
    return ++this.#window.used <= MAX_BEACONS_PER_S
  }

  /** The peer whose tag this beacon carries, if any (a friend's tag, or the request tag of one I asked). */
  #match (b: Beacon): string | null {
    const me = this.#host.keyPair()
    const address = addressBytes(b)
    const tags = new Set(b.tags.map((t) => t.toString('hex')))
    const requestTag = b.requestTag.toString('hex')
    for (const p of this.#host.peers()) {
      if (p.linked) continue
      const key = this.#friendKey(me, p)
      if (key !== null && tags.has(lanTag(key, p.publicKey, b.nonce, address).toString('hex'))) return p.hex
      if (p.requestNospam !== null && lanTag(lanRequestKey(p.publicKey, p.requestNospam), p.publicKey, b.nonce, address).toString('hex') === requestTag) return p.hex
    }
    return null
  }

  #friendKey (me: KeyPair, p: LanPeer): Buffer | null {
    let key = this.#friendKeys.get(p.hex)
    if (key === undefined) {
      key = lanFriendKey(me, p.publicKey)
      this.#friendKeys.set(p.hex, key)
    }
    return key
  }

  #schedule (delay: number): void {
    const at = this.#host.now() + delay
    if (this.#timer !== null) {
      if (at >= this.#dueAt) return
      clearTimeout(this.#timer)
    }
    this.#dueAt = at
    this.#timer = setTimeout(() => { this.#timer = null; this.#beacon() }, delay)
    this.#timer.unref()
  }

  #beacon (): void {
    if (this.#closed || this.#sockets === null) return
    const dht = this.#host.dht()
    if (dht !== null) this.#sendAll(dht.host, dht.port)
    const base = dht?.online === true ? SLOW_BEACON_MS : FAST_BEACON_MS
    // ±25 %: daemons started together do not beacon in step forever.
    this.#schedule(Math.round(base * (0.75 + this.#host.random() * 0.5)))
  }

  #sendAll (boundHost: string | null, port: number): void {
    const peers = this.#unlinkedWindow()
    for (const t of this.#sockets!.targets()) {
      const host = t.dialHost ?? (boundHost !== null && boundHost !== '0.0.0.0' ? boundHost : '')
      this.#sockets!.send(this.#build(peers, host, port), t.host)
      this.#host.count('lan-beacons-sent')
    }
  }

  /** The peers this beacon names: all not linked, or with too many for one datagram, the next turn of them. */
  #unlinkedWindow (): LanPeer[] {
    const all = [...this.#host.peers()].filter((p) => !p.linked)
    if (all.length <= MAX_BEACON_TAGS) return all
    const start = this.#rotation % all.length
    this.#rotation += MAX_BEACON_TAGS
    return [...all.slice(start), ...all.slice(0, start)].slice(0, MAX_BEACON_TAGS)
  }

  #build (peers: LanPeer[], host: string, port: number): Buffer {
    const me = this.#host.keyPair()
    const nonce = randomBytes(LAN_NONCE_BYTES)
    this.#ownNonces.push(nonce)
    if (this.#ownNonces.length > OWN_NONCES) this.#ownNonces.shift()
    const key = this.#host.dialKey()
    const address = addressBytes({ host, port, key })
    const tags: Buffer[] = []
    for (const p of peers) {
      const key = this.#friendKey(me, p)
      if (key !== null) tags.push(lanTag(key, me.publicKey, nonce, address))
    }
    while (tags.length < paddedTagCount(tags.length)) tags.push(randomBytes(LAN_TAG_BYTES))
    shuffle(tags, this.#host.random)
    const requestTag = this.#host.requestsOpen()
      ? lanTag(lanRequestKey(me.publicKey, this.#host.nospam()), me.publicKey, nonce, address)
      : randomBytes(LAN_TAG_BYTES)
    return encodeBeacon({ port, host, key, nonce, requestTag, tags })
  }
}

/** The IPv4 address a datagram came from (hyperdht dials IPv4 only), or null. */
function ipv4Of (from: string): string | null {
  const v4 = from.startsWith('::ffff:') ? from.slice(7) : from
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(v4) ? v4 : null
}

/** The padding must not sit at the end, or it would tell how many tags are real. */
function shuffle (tags: Buffer[], random: () => number): void {
  for (let i = tags.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[tags[i], tags[j]] = [tags[j], tags[i]]
  }
}
