/**
 * The `psst-mailbox/1` protomux channel over a Noise stream to (or from) a relay. Shared by the
 * relay and the daemon. Frames are raw bytes decoded by src/wire/mailbox.ts, so protomux never
 * sees (or throws on) the payload; malformed frames are counted and dropped, and a peer that keeps
 * sending them is disconnected (docs/reliability.md, policy 2).
 */
import Protomux from 'protomux'
import c from 'compact-encoding'
import type { PeerStream } from '../net/peer-stream.js'
import {
  encodeMailboxFrame, decodeMailboxFrame, MAILBOX_PROTOCOL, MAILBOX_VERSION, MAX_MAILBOX_FRAME_BYTES,
  type MailboxFrame
} from '../wire/mailbox.js'

export const MAX_BAD_MAILBOX_FRAMES = 8

export interface MailboxChannelHandlers {
  onFrame (frame: MailboxFrame): void
  onOpen? (): void
  onClose? (): void
  onDrop? (reason: 'bad-frame' | 'oversized-frame' | 'unknown-frame'): void
}

export interface MailboxChannel {
  send (frame: MailboxFrame): boolean
  close (): void
  readonly opened: boolean
  readonly closed: boolean
}

export function openMailboxChannel (stream: PeerStream, handlers: MailboxChannelHandlers): MailboxChannel {
  const mux = Protomux.from(stream)
  let bad = 0
  let opened = false
  let closed = false
  const channel = mux.createChannel({
    protocol: MAILBOX_PROTOCOL,
    handshake: c.uint,
    onopen () { opened = true; safe(() => handlers.onOpen?.()) },
    onclose () { opened = false; closed = true; safe(() => handlers.onClose?.()) }
  })
  if (channel === null) {
    closed = true
    return { send: () => false, close () {}, opened: false, closed: true }
  }
  const msg = channel.addMessage({
    encoding: c.raw,
    onmessage (bytes: Buffer) {
      if (bytes.byteLength > MAX_MAILBOX_FRAME_BYTES) return drop('oversized-frame')
      const frame = decodeMailboxFrame(bytes)
      if (frame === null) return drop('bad-frame')
      if (frame.type === 'unknown') return safe(() => handlers.onDrop?.('unknown-frame'))
      safe(() => handlers.onFrame(frame))
    }
  })
  channel.open(MAILBOX_VERSION)

  function drop (reason: 'bad-frame' | 'oversized-frame'): void {
    safe(() => handlers.onDrop?.(reason))
    if (reason === 'oversized-frame' || ++bad >= MAX_BAD_MAILBOX_FRAMES) stream.destroy()
  }

  return {
    send: (frame) => channel.closed ? false : msg.send(encodeMailboxFrame(frame)),
    close: () => channel.close(),
    get opened () { return opened },
    get closed () { return closed || channel.closed }
  }
}

function safe (fn: () => void): void {
  try {
    fn()
  } catch (err) {
    // A handler bug must not take the process down with a peer's frame; it is logged instead.
    process.emitWarning(`psst: mailbox handler error: ${(err as Error).stack ?? err}`)
  }
}
