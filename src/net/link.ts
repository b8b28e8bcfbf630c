import { openChannel, type Channel } from './channel.js'
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

/** One live connection to one remote key, carrying the psst/1 channel. */
export class Link {
  readonly stream: PeerStream
  readonly remote: Buffer
  readonly hex: string
  readonly initiator: boolean
  readonly createdAt: number
  readonly channel: Channel
  /** Set once the peer's hello arrived (friends only): messages may flow. */
  ready = false
  closed = false
  /** Frames that were valid bytes but wrong for this link's state (docs/reliability.md, policy 2). */
  strikes = 0
  lastRx: number
  #ping = 0

  constructor (stream: PeerStream, now: number, handlers: LinkHandlers) {
    this.stream = stream
    this.remote = stream.remotePublicKey
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
  }

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
