import Protomux from 'protomux'
import c from 'compact-encoding'
import { encodeFrame, decodeFrame, type Frame } from '../wire/frames.js'
import { PROTOCOL, PROTOCOL_VERSION, MAX_FRAME_BYTES } from '../wire/limits.js'
import type { PeerStream } from './peer-stream.js'

/** Largest transport frame (a corked protomux batch) accepted from a peer. */
export const MAX_CHUNK_BYTES = 2 * 1024 * 1024

/** Bad frames tolerated from one peer before the connection is closed (docs/reliability.md, policy 2). */
export const MAX_BAD_FRAMES = 8

export interface ChannelHandlers {
  onFrame (frame: Frame): void
  onOpen (): void
  onClose (): void
  /** A frame was dropped: `reason` is a counter name. */
  onDrop (reason: 'bad-frame' | 'oversized-frame' | 'unknown-frame'): void
}

export interface Channel {
  send (frame: Frame): boolean
  /** Sends a frame already encoded (a message frame built from its history record). */
  sendEncoded (bytes: Buffer): boolean
  cork (): void
  uncork (): void
  close (): void
  readonly opened: boolean
  /**
   * The protocol version the peer opened the channel with (its handshake): frames to it are
   * encoded as that version reads them (docs/design.md, Wire protocol: mixed versions).
   */
  readonly peerVersion: number
  /** The stream's mux, on which a link opens its other channels. */
  readonly mux: Protomux
}

/**
 * The `psst/1` protomux channel over a Noise stream, on the stream's mux (the Link's). Frames are
 * raw bytes decoded by src/wire, so protomux never sees (or throws on) our payload; malformed
 * frames are counted and dropped, and a peer that keeps sending them is disconnected.
 */
export function openChannel (stream: PeerStream, handlers: ChannelHandlers): Channel {
  // A protomux batch can pack many small frames into one huge transport frame; psst's own
  // sender corks at most CORK_BYTES, so anything far above is hostile (checked before protomux).
  let oversized = false
  stream.on('data', (chunk: Buffer) => {
    if (chunk.byteLength <= MAX_CHUNK_BYTES || oversized) return
    oversized = true
    safe(() => handlers.onDrop('oversized-frame'))
    stream.destroy()
  })
  // After the guard above: its 'data' listener must run before the mux's.
  const mux = Protomux.from(stream)
  let bad = 0
  let opened = false
  // Until the peer's handshake says otherwise, it is taken to speak this version.
  let peerVersion = PROTOCOL_VERSION
  const channel = mux.createChannel({
    protocol: PROTOCOL,
    handshake: c.uint,
    onopen (handshake: unknown) {
      opened = true
      if (Number.isSafeInteger(handshake) && (handshake as number) >= 1) peerVersion = handshake as number
      safe(() => handlers.onOpen())
    },
    onclose () { opened = false; safe(() => handlers.onClose()) }
  })
  if (channel === null) {
    stream.destroy()
    return { send: () => false, sendEncoded: () => false, cork () {}, uncork () {}, close () {}, opened: false, peerVersion: PROTOCOL_VERSION, mux }
  }
  const msg = channel.addMessage({
    encoding: c.raw,
    onmessage (bytes: Buffer) {
      if (oversized) return
      if (bytes.byteLength > MAX_FRAME_BYTES) return drop('oversized-frame')
      const frame = decodeFrame(bytes)
      if (frame === null) return drop('bad-frame')
      if (frame.type === 'unknown') return safe(() => handlers.onDrop('unknown-frame'))
      if (frame.type === 'message') frame.wire = bytes
      safe(() => handlers.onFrame(frame))
    }
  })
  channel.open(PROTOCOL_VERSION)

  function drop (reason: 'bad-frame' | 'oversized-frame'): void {
    safe(() => handlers.onDrop(reason))
    if (reason === 'oversized-frame' || ++bad >= MAX_BAD_FRAMES) stream.destroy()
  }

  return {
    send: (frame) => channel.closed ? false : msg.send(encodeFrame(frame, peerVersion)),
    sendEncoded: (bytes) => channel.closed ? false : msg.send(bytes),
    cork: () => channel.cork(),
    uncork: () => channel.uncork(),
    close: () => { channel.close(); stream.end() },
    get opened () { return opened },
    get peerVersion () { return peerVersion },
    mux
  }
}

function safe (fn: () => void): void {
  try {
    fn()
  } catch (err) {
    // A handler bug must not take the daemon down with a peer's frame; it is logged instead.
    process.emitWarning(`psst: handler error: ${(err as Error).stack ?? err}`)
  }
}
