/**
 * The `psst-file/1` protomux channel: file bytes on their own channel beside `psst/1` on the same
 * Noise stream, so chat frames interleave with blocks instead of queueing behind a whole file. The
 * sender writes a block only while the stream has room (`drained()`), which keeps the stream's queue
 * (what a chat message waits behind) to about one block.
 */
import Protomux from 'protomux'
import c from 'compact-encoding'
import { FILE_PROTOCOL, FILE_PROTOCOL_VERSION, MAX_FILE_FRAME_BYTES, decodeFileFrame, encodeFileFrame, fileHandshake, type FileFrame } from '../wire/files.js'

/** Malformed frames tolerated before the peer is dropped (as on psst/1). */
export const MAX_BAD_FILE_FRAMES = 8

export interface FileChannelHandlers {
  onFrame (frame: FileFrame): void
  onOpen (): void
  onClose (): void
  onDrop (reason: 'bad-frame' | 'oversized-frame' | 'unknown-frame'): void
}

export interface FileChannel {
  send (frame: FileFrame): boolean
  /** Resolves when the stream can take more, or the channel closed. */
  drained (): Promise<void>
  readonly opened: boolean
  readonly closed: boolean
  close (): void
  /** Drops the whole connection: for a peer that keeps misbehaving. */
  dropPeer (): void
}

export function openFileChannel (streamOrMux: Protomux.FramedStream | Protomux, handlers: FileChannelHandlers): FileChannel {
  const mux = Protomux.from(streamOrMux)
  let bad = 0
  let opened = false
  let closed = false
  let waiters: Array<() => void> = []
  const wake = (): void => { const w = waiters; waiters = []; for (const f of w) f() }
  const channel = mux.createChannel({
    protocol: FILE_PROTOCOL,
    handshake: fileHandshake,
    onopen () { opened = true; safe(() => handlers.onOpen()) },
    onclose () { opened = false; closed = true; wake(); safe(() => handlers.onClose()) },
    ondrain () { wake() }
  })
  if (channel === null) {
    closed = true
    queueMicrotask(() => safe(() => handlers.onClose()))
    return { send: () => false, drained: async () => {}, opened: false, closed: true, close () {}, dropPeer () {} }
  }
  const msg = channel.addMessage({
    encoding: c.raw,
    onmessage (bytes: Buffer) {
      if (bytes.byteLength > MAX_FILE_FRAME_BYTES) return drop('oversized-frame')
      const frame = decodeFileFrame(bytes)
      if (frame === null) return drop('bad-frame')
      if (frame.type === 'unknown') return safe(() => handlers.onDrop('unknown-frame'))
      safe(() => handlers.onFrame(frame))
    }
  })
  channel.open(FILE_PROTOCOL_VERSION)

  function drop (reason: 'bad-frame' | 'oversized-frame'): void {
    safe(() => handlers.onDrop(reason))
    if (++bad >= MAX_BAD_FILE_FRAMES) mux.stream.destroy()
  }

  return {
    send: (frame) => channel.closed ? false : msg.send(encodeFileFrame(frame)),
    drained: async () => await new Promise<void>((resolve) => {
      if (channel.closed || mux.drained) return resolve()
      waiters.push(resolve)
    }),
    get opened () { return opened },
    get closed () { return closed || channel.closed },
    close: () => channel.close(),
    dropPeer: () => mux.stream.destroy()
  }
}

function safe (fn: () => void): void {
  try {
    fn()
  } catch (err) {
    process.emitWarning(`psst: file channel handler error: ${(err as Error).stack ?? err}`)
  }
}
