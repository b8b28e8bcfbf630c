/**
 * The `psst-file/1` protomux channel: file bytes on their own channel beside `psst/1` on the same
 * Noise stream, so chat frames interleave with blocks instead of queueing behind a whole file. The
 * sender writes a block only while the stream has room (`drained()`), which keeps the stream's queue
 * (what a chat message waits behind) to about one block.
 */
import Protomux from 'protomux'
import c from 'compact-encoding'
import type { ChannelOpener } from '../net/link.js'
import { FILE_PROTOCOL, FILE_PROTOCOL_VERSION, MAX_FILE_FRAME_BYTES, decodeFileFrame, fileFrameWriter, fileHandshake, type FileFrame } from '../wire/files.js'

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

/** Where psst-file/1 opens: on a Link (which then knows of the channel), or a bare stream or mux. */
export type FileChannelHost = ChannelOpener | Protomux.FramedStream | Protomux

export function openFileChannelOn (host: FileChannelHost, handlers: FileChannelHandlers): FileChannel {
  if (isOpener(host)) return host.openChannel(FILE_PROTOCOL, (mux) => openFileChannel(mux, handlers))
  return openFileChannel(host, handlers)
}

function isOpener (host: FileChannelHost): host is ChannelOpener {
  return typeof (host as Partial<ChannelOpener>).openChannel === 'function'
}

export function openFileChannel (streamOrMux: Protomux.FramedStream | Protomux, handlers: FileChannelHandlers): FileChannel {
  const mux = Protomux.from(streamOrMux)
  let bad = 0
  let everOpened = false
  let closed = false
  let channel: Protomux.Channel | null = null
  let msg: Protomux.Message<any> | null = null
  let waiters: Array<() => void> = []
  const wake = (): void => { const w = waiters; waiters = []; for (const f of w) f() }

  // Each side opens psst-file/1 when it learns the link is up, which is not at the same moment:
  // protomux refuses an open that no local channel claims, so an open refused that way is not
  // an end; the other side's later open comes through pair() and is claimed then.
  function create (): void {
    if (closed || mux.stream.destroyed) return
    const ch = mux.createChannel({
      protocol: FILE_PROTOCOL,
      handshake: fileHandshake,
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
    // Sent frames are encoded straight into protomux's buffer; received ones arrive as raw bytes,
    // decoded by decodeFileFrame, which never throws on a hostile peer's input.
    const encoding = { preencode: fileFrameWriter.preencode, encode: fileFrameWriter.encode, decode: c.raw.decode } as unknown as Protomux.Encoding<any>
    msg = ch.addMessage({ encoding, onmessage: onBytes })
    ch.open(FILE_PROTOCOL_VERSION)
  }

  function onBytes (bytes: Buffer): void {
    if (bytes.byteLength > MAX_FILE_FRAME_BYTES) return drop('oversized-frame')
    const frame = decodeFileFrame(bytes)
    if (frame === null) return drop('bad-frame')
    if (frame.type === 'unknown') return safe(() => handlers.onDrop('unknown-frame'))
    safe(() => handlers.onFrame(frame))
  }

  function drop (reason: 'bad-frame' | 'oversized-frame'): void {
    safe(() => handlers.onDrop(reason))
    if (++bad >= MAX_BAD_FILE_FRAMES) mux.stream.destroy()
  }

  function finish (): void {
    if (closed) return
    closed = true
    mux.unpair({ protocol: FILE_PROTOCOL })
    wake()
    safe(() => handlers.onClose())
  }

  mux.pair({ protocol: FILE_PROTOCOL }, () => { if (channel === null || channel.closed) create() })
  mux.stream.on('close', finish)
  create()

  return {
    send: (frame) => channel === null || channel.closed || msg === null ? false : msg.send(frame),
    drained: async () => await new Promise<void>((resolve) => {
      if (channel === null || channel.closed || mux.drained) return resolve()
      waiters.push(resolve)
    }),
    get opened () { return channel !== null && channel.opened && !closed },
    get closed () { return closed },
    close: () => { channel?.close(); finish() },
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
