/**
 * Connections: which stream becomes a peer's link, dialling and redialling, strangers' slots and
 * the firewall (docs/design.md, Network). It takes streams from anywhere (the DHT's server, a
 * dial, a test) and dials through the function it is given, so it knows nothing of the DHT; what
 * a peer is (a friend, a key we asked) and what a link carries is the host's business.
 */
import type { PeerStream } from './peer-stream.js'
import { Link, type LinkHandlers } from './link.js'
import { redialDelay } from './backoff.js'
import { StrangerLimiter, DEFAULT_LIMITS } from './stranger-limiter.js'
import { toHex } from '../crypto/identity.js'

/** A stranger gets this long to deliver its friend request before the link is closed. */
export const STRANGER_TIMEOUT_MS = 10_000
/**
 * Stranger links open at once. Beyond this a random one is dropped for the newcomer (random early
 * drop): a flood cannot hold every slot, and a real requester, whose request follows its handshake
 * within milliseconds, nearly always keeps its slot long enough.
 */
export const MAX_STRANGER_LINKS = 64
/** Two links to one key made this close together are a simultaneous dial (docs/design.md, Network: the tie-break). */
const RACE_WINDOW_MS = 3000

/**
 * How a peer is dialled: the mailbox module adds the blind-relay fallback, LAN discovery the
 * peer's own address (`direct`) when its beacon was heard.
 */
export interface DialOptions { relayThrough: Buffer | null, forceRelay: boolean, direct?: Array<{ host: string, port: number }> }

/** The dial state a known peer carries (a contacts Peer holds these fields). */
export interface Dialable {
  readonly hex: string
  link: Link | null
  dialing: boolean
  dialAttempts: number
  dialTimer: NodeJS.Timeout | null
}

export interface ConnectionsHost<P extends Dialable> {
  readonly localKey: () => Buffer
  readonly now: () => number
  readonly random: () => number
  readonly closing: () => boolean
  /** Null while there is no network to dial through (the DHT comes up after the control socket). */
  readonly dialer: () => ((remote: Buffer, opts: DialOptions) => PeerStream) | null
  /** A known peer by hex key; anyone else who connects is a stranger. */
  readonly peer: (hex: string) => P | undefined
  readonly remoteKey: (p: P) => Buffer
  /** A stream from this key is closed at once (blocked, not merely declined). */
  readonly refused: (hex: string) => boolean
  /** The firewall turns this key away before the handshake (any block, declined ones too). */
  readonly blocked: (hex: string) => boolean
  /** Until they accept, I am a stranger to them, and their firewall admits me only so often. */
  readonly slowRedial: (p: P) => boolean
  /** What a link carries: the frames and opens of psst/1. */
  readonly handlers: Omit<LinkHandlers, 'onClose'>
  readonly linked: (p: P, link: Link) => void
  readonly unlinked: (p: P, link: Link) => void
  readonly count: (counter: string) => void
  /** Many strangers at once: the host tells the user (once per flood). */
  readonly flood: (why: string) => void
}

export class Connections<P extends Dialable> {
  readonly strangers = new Set<Link>()
  readonly limiter = new StrangerLimiter()
  readonly #host: ConnectionsHost<P>
  readonly #handlers: LinkHandlers
  /** How a peer is dialled (the relay fallback replaces it). */
  dialOptions: (p: P) => DialOptions = () => ({ relayThrough: null, forceRelay: false })
  /** A dial's stream error, for the relay fallback to notice holepunch failures. */
  dialError: (p: P, err: Error) => void = () => {}
  /**
   * The DHT key a peer is dialled on: by default its identity key; presence privacy replaces it
   * with a lookup of the friend's meeting record (docs/design.md, Presence privacy). Null: not
   * reachable now (redialled later).
   */
  route: (p: P) => Promise<Buffer | null> = async (p) => this.#host.remoteKey(p)
  /** A dial's outcome for the route it took: presence privacy learns which keys work. */
  routed: (p: P, key: Buffer, opened: boolean, err: Error | null) => void = () => {}
  /** The least delay before the next redial of a peer (presence privacy polls absent friends slowly). */
  minRedialMs: (p: P) => number = () => 0

  constructor (host: ConnectionsHost<P>) {
    this.#host = host
    this.#handlers = { ...host.handlers, onClose: (l: Link) => this.#onClose(l) }
  }

  /**
   * Attaches a new stream: keeps one link per key (the tie-break of docs/design.md, Network).
   * `remote`: the peer's identity when the stream is one I dialled on another key of theirs.
   */
  attach (stream: PeerStream, remote: Buffer = stream.remotePublicKey): void {
    const hex = toHex(remote)
    if (this.#host.refused(hex)) return stream.destroy()
    const p = this.#host.peer(hex)
    if (p === undefined) {
      if (this.strangers.size >= MAX_STRANGER_LINKS) this.#dropRandomStranger()
      const link = new Link(stream, this.#host.now(), this.#handlers)
      this.strangers.add(link)
      setTimeout(() => link.destroy(), STRANGER_TIMEOUT_MS).unref()
      return
    }
    if (p.link !== null && !p.link.closed && !this.#preferNew(p.link, stream, remote)) return stream.destroy()
    const old = p.link
    p.link = new Link(stream, this.#host.now(), this.#handlers, remote)
    this.#host.linked(p, p.link)
    if (old !== null) old.destroy()
  }

  /** Dials a peer now if not connected; on failure retries with jittered backoff. */
  dial (p: P): void {
    const dialer = this.#host.dialer()
    if (this.#host.closing() || dialer === null || p.dialing || (p.link !== null && !p.link.closed)) return
    if (this.#host.peer(p.hex) === undefined) return
    if (p.dialTimer !== null) { clearTimeout(p.dialTimer); p.dialTimer = null }
    p.dialing = true
    this.route(p).then((key) => this.#dialOn(p, key), () => this.#dialOn(p, null))
  }

  #dialOn (p: P, key: Buffer | null): void {
    const dialer = this.#host.dialer()
    const gone = this.#host.closing() || dialer === null || this.#host.peer(p.hex) !== p || (p.link !== null && !p.link.closed)
    if (gone || key === null) {
      p.dialing = false
      if (!gone) this.scheduleDial(p, false)
      return
    }
    let stream: PeerStream
    try {
      stream = dialer(key, this.dialOptions(p))
    } catch {
      p.dialing = false
      return this.scheduleDial(p, false)
    }
    let error: Error | null = null
    const done = (ok: boolean): void => {
      if (!p.dialing) return
      p.dialing = false
      this.routed(p, key, ok, error)
      if (ok) p.dialAttempts = 0
      else this.scheduleDial(p, false)
    }
    stream.once('open', () => done(true))
    stream.once('error', (err: Error) => { error = err; this.dialError(p, err) })
    stream.once('close', () => done(false))
    this.attach(stream, this.#host.remoteKey(p))
  }

  /**
   * Dials now even while another dial still waits for an answer (a LAN beacon just said where the
   * peer is): the newer stream replaces the waiting one, and the tie-break keeps one link.
   */
  dialAgain (p: P): void {
    const open = (): boolean => p.link !== null && !p.link.closed && p.link.stream.handshakeHash !== null
    if (this.#host.closing() || this.#host.dialer() === null || this.#host.peer(p.hex) !== p || open()) return
    // Not yet a friend there: their firewall admits my key once per perKeyMs, so a second dial
    // would be refused (silently: it fails only at hyperdht's 10 s timeout) and would replace the
    // admitted one, still in its handshake.
    if (p.dialing && this.#host.slowRedial(p)) return
    this.route(p).then((key) => {
      const dialer = this.#host.dialer()
      if (key === null || dialer === null || this.#host.closing() || this.#host.peer(p.hex) !== p || open()) return
      let stream: PeerStream
      try {
        stream = dialer(key, this.dialOptions(p))
      } catch {
        return
      }
      stream.once('error', (err: Error) => this.dialError(p, err))
      this.attach(stream, this.#host.remoteKey(p))
    }, () => {})
  }

  scheduleDial (p: P, soon: boolean): void {
    if (this.#host.closing() || this.#host.dialer() === null || p.dialTimer !== null || this.#host.peer(p.hex) === undefined) return
    let delay = soon ? 200 + Math.round(this.#host.random() * 800) : redialDelay(p.dialAttempts++, this.#host.random())
    // Their firewall admits my key once per perKeyMs, so a quicker redial (the relayed one after
    // a failed holepunch) would be refused.
    if (!soon && this.#host.slowRedial(p)) delay = Math.max(delay, DEFAULT_LIMITS.perKeyMs + 200)
    if (!soon) delay = Math.max(delay, this.minRedialMs(p))
    p.dialTimer = setTimeout(() => { p.dialTimer = null; this.dial(p) }, delay)
    p.dialTimer.unref()
  }

  /** Refuses what must never get in; admits known peers and rate-limited strangers. True = refuse. */
  firewall (remotePublicKey: Buffer): boolean {
    try {
      const hex = toHex(remotePublicKey)
      if (this.#host.closing()) return true
      if (this.#host.blocked(hex)) { this.#host.count('refused-blocked'); return true }
      if (this.#host.peer(hex) !== undefined) return false
      const now = this.#host.now()
      if (this.limiter.admit(hex, now)) {
        if (this.limiter.flooding(now)) this.#host.flood('admission rate')
        return false
      }
      this.#host.count('refused-rate')
      return true
    } catch {
      return true
    }
  }

  /** Dials every unlinked peer now (the network came back): the backoff starts over. */
  redialAll (peers: Iterable<P>): void {
    for (const p of peers) {
      if (p.link !== null && !p.link.closed) continue
      if (p.dialTimer !== null) { clearTimeout(p.dialTimer); p.dialTimer = null }
      p.dialAttempts = 0
      this.dial(p)
    }
  }

  /** The firewall of a key only friends meet me on: known peers in, everyone else out (true = refuse). */
  friendsOnly (remotePublicKey: Buffer): boolean {
    try {
      const hex = toHex(remotePublicKey)
      if (this.#host.closing()) return true
      if (this.#host.blocked(hex)) { this.#host.count('refused-blocked'); return true }
      if (this.#host.peer(hex) !== undefined) return false
      this.#host.count('refused-not-friend')
      return true
    } catch {
      return true
    }
  }

  close (): void {
    for (const link of this.strangers) link.destroy()
  }

  #dropRandomStranger (): void {
    const all = [...this.strangers]
    const victim = all[Math.floor(this.#host.random() * all.length)]
    this.strangers.delete(victim)
    victim.destroy()
    this.#host.count('strangers-dropped')
    this.#host.flood('stranger links')
  }

  #preferNew (old: Link, stream: PeerStream, remote: Buffer): boolean {
    if (this.#host.now() - old.createdAt > RACE_WINDOW_MS || old.initiator === stream.isInitiator) return true
    // Simultaneous dial: keep the connection initiated by the smaller identity key.
    const iAmSmaller = Buffer.compare(this.#host.localKey(), remote) < 0
    return iAmSmaller ? stream.isInitiator : !stream.isInitiator
  }

  #onClose (link: Link): void {
    if (this.strangers.delete(link)) return
    const p = this.#host.peer(link.hex)
    if (p === undefined || p.link !== link) return
    p.link = null
    this.#host.unlinked(p, link)
    this.scheduleDial(p, true)
  }
}
