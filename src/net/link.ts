import type Protomux from 'protomux'
import { openChannel, type Channel } from './channel.js'
import { PROTOCOL } from '../wire/limits.js'
import type { Frame } from '../wire/frames.js'
import type { PeerStream } from './peer-stream.js'
import { toHex } from '../crypto/identity.js'

export interface LinkHandlers {
  onOpen (link: Link): void
  onFrame (link: Link, frame: Frame): void
  onClose (link: Link): void
  onDrop (link: Link, reason: string): void
}

/** Heartbeat: a peer silent for this long is taken as gone (faster than the transport's ~15 s). */
export const PING_INTERVAL_MS = 2000
export const SILENCE_LIMIT_MS = 8000

/** What a link keeps of each channel it carries: enough to close it with the link. */
export interface LinkChannel {
  close (): void
}

/** Where further protocols open their channel: a Link, or a test's stand-in. */
export interface ChannelOpener {
  openChannel<T extends LinkChannel> (protocol: string, open: (mux: Protomux) => T): T
}

/**
 * One live connection to one remote key. It owns the connection's protomux mux and the channels
 * on it: `psst/1` (chat, always) and whatever a feature opens with openChannel (`psst-file/1`).
 * Each channel has its own messages and its own back-pressure, so bulk bytes on one never queue
 * a chat frame behind a whole file (docs/design.md, Network).
 */
export class Link implements ChannelOpener {
  readonly stream: PeerStream
  readonly remote: Buffer
  readonly hex: string
  readonly initiator: boolean
  readonly createdAt: number
  readonly mux: Protomux
  /** psst/1, the chat channel. */
  readonly channel: Channel
  readonly #channels = new Map<string, LinkChannel>()
  /** Set once the peer's hello arrived (friends only): messages may flow. */
  ready = false
  closed = false
  /** Frames that were valid bytes but wrong for this link's state (docs/reliability.md, policy 2). */
  strikes = 0
  lastRx: number
  #ping = 0

  /** `remote`: the peer's identity when the stream's key is another (a friend's device key, docs/design.md, Presence privacy). */
  constructor (stream: PeerStream, now: number, handlers: LinkHandlers, remote: Buffer = stream.remotePublicKey) {
    this.stream = stream
    this.remote = remote
    this.hex = toHex(this.remote)
    this.initiator = stream.isInitiator
    this.createdAt = now
    this.lastRx = now
    stream.on('error', () => {})
    stream.on('close', () => {
      if (this.closed) return
      this.closed = true
      handlers.onClose(this)
    })
    this.channel = openChannel(stream, {
      onOpen: () => handlers.onOpen(this),
      onClose: () => this.destroy(),
      onFrame: (frame) => { this.lastRx = Date.now(); handlers.onFrame(this, frame) },
      onDrop: (reason) => handlers.onDrop(this, reason)
    })
    this.mux = this.channel.mux
    this.#channels.set(PROTOCOL, this.channel)
  }

  /**
   * Opens another protocol's channel on this link's mux (one per protocol: opening it again
   * closes the old one). `open` builds it: a channel that may be opened by the peer first must
   * pair() for it (src/files/channel.ts does). It goes when the link goes.
   */
  openChannel<T extends LinkChannel> (protocol: string, open: (mux: Protomux) => T): T {
    if (protocol === PROTOCOL) throw new Error(`${PROTOCOL} is the link's own channel`)
    this.#channels.get(protocol)?.close()
    const ch = open(this.mux)
    this.#channels.set(protocol, ch)
    return ch
  }

  /** The protocol version the peer opened psst/1 with (older peers get frames they can read). */
  get peerVersion (): number { return this.channel.peerVersion }

  /** The protocols this link carries a channel for. */
  get protocols (): string[] { return [...this.#channels.keys()] }

  send (frame: Frame): boolean {
    if (this.closed) return false
    return this.channel.send(frame)
  }

  sendEncoded (bytes: Buffer): boolean {
    if (this.closed) return false
    return this.channel.sendEncoded(bytes)
  }

  /** Resolves when the stream can take more (back-pressure), or at once if it can. */
  drained (): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve()
      const done = (): void => { this.stream.off?.('drain', done); this.stream.off?.('close', done); resolve() }
      this.stream.once('drain', done)
      this.stream.once('close', done)
    })
  }

  /** Sends a ping or, after too long a silence, drops the link. */
  heartbeat (now: number): void {
    if (this.closed) return
    if (now - this.lastRx > SILENCE_LIMIT_MS) return this.destroy()
    this.send({ type: 'ping', nonce: ++this.#ping })
  }

  destroy (): void {
    if (!this.stream.destroyed) this.stream.destroy()
  }
}
