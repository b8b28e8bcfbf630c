/**
 * The `psst-group/1` protomux channel beside `psst/1` on a friend's link: group gossip has its
 * own messages and back-pressure, so a catch-up of a thousand entries never queues a 1:1 chat
 * frame behind it. Opened by each side when the link is up (as src/files/channel.ts does).
 */
import Protomux from 'protomux'
import c from 'compact-encoding'
import type { ChannelOpener } from '../net/link.js'
import { GROUP_PROTOCOL, GROUP_PROTOCOL_VERSION, MAX_GROUP_FRAME_BYTES, groupFrames, type GroupFrame } from './wire.js'

/** Malformed frames tolerated before the peer is dropped (as on psst/1). */
export const MAX_BAD_GROUP_FRAMES = 8

export interface GroupChannelHandlers {
  onFrame (frame: GroupFrame): void
  onOpen (): void
  onClose (): void
  onDrop (reason: 'group-bad-frames' | 'group-unknown-frames'): void
}

export interface GroupChannel {
  send (frame: GroupFrame): boolean
  /** Resolves when the stream can take more, or the channel closed. */
  drained (): Promise<void>
  readonly opened: boolean
  readonly closed: boolean
  close (): void
}

export function openGroupChannelOn (host: ChannelOpener, handlers: GroupChannelHandlers): GroupChannel {
  return host.openChannel(GROUP_PROTOCOL, (mux) => openGroupChannel(mux, handlers))
}

export function openGroupChannel (streamOrMux: Protomux.FramedStream | Protomux, handlers: GroupChannelHandlers): GroupChannel {
  const mux = Protomux.from(streamOrMux)
  let bad = 0
  let everOpened = false
  let closed = false
  let channel: Protomux.Channel | null = null
  let msg: Protomux.Message<any> | null = null
  let waiters: Array<() => void> = []
  const wake = (): void => { const w = waiters; waiters = []; for (const f of w) f() }

  // Each side opens when it learns the link is up: an open the other side did not claim yet
  // is refused by protomux, so its later open arrives through pair() and is claimed then.
  function create (): void {
    if (closed || mux.stream.destroyed) return
    const ch = mux.createChannel({
      protocol: GROUP_PROTOCOL,
      handshake: c.uint,
      onopen () { everOpened = true; safe(() => handlers.onOpen()) },
      onclose () {
        if (channel === ch) channel = null
        wake()
        if (everOpened) finish()
      },
      ondrain () { wake() }
    })
    if (ch === null) return
    channel = ch
    msg = ch.addMessage({ encoding: c.raw, onmessage: onBytes })
    ch.open(GROUP_PROTOCOL_VERSION)
  }

  function onBytes (bytes: Buffer): void {
    const frame = bytes.byteLength > MAX_GROUP_FRAME_BYTES ? null : groupFrames.decode(bytes)
    if (frame === null) {
      safe(() => handlers.onDrop('group-bad-frames'))
      if (++bad >= MAX_BAD_GROUP_FRAMES) mux.stream.destroy()
      return
    }
    if (frame.type === 'unknown') return safe(() => handlers.onDrop('group-unknown-frames'))
    safe(() => handlers.onFrame(frame))
  }

  function finish (): void {
    if (closed) return
    closed = true
    mux.unpair({ protocol: GROUP_PROTOCOL })
    wake()
    safe(() => handlers.onClose())
  }

  mux.pair({ protocol: GROUP_PROTOCOL }, () => { if (channel === null || channel.closed) create() })
  mux.stream.on('close', finish)
  create()

  return {
    send: (frame) => channel === null || channel.closed || msg === null ? false : msg.send(groupFrames.encode(frame)),
    drained: async () => await new Promise<void>((resolve) => {
      if (channel === null || channel.closed || mux.drained) return resolve()
      waiters.push(resolve)
    }),
    get opened () { return channel !== null && channel.opened && !closed },
    get closed () { return closed },
    close: () => { channel?.close(); finish() }
  }
}

function safe (fn: () => void): void {
  try {
    fn()
  } catch (err) {
    process.emitWarning(`psst: group channel handler error: ${(err as Error).stack ?? err}`)
  }
}
