/**
 * One friend's end of `psst-file/1` on one connection: it serves blocks of files we offered and
 * fetches blocks of files we accepted, both multiplexed by file id on one channel.
 *
 * Flow control is the receiver's: it asks for at most WINDOW blocks that it does not hold yet, and a
 * block frees its credit only once it is durable (synced and recorded). So a kill -9 of either side
 * costs at most one window of re-sent blocks, and the sender's memory use is bounded by the window.
 */
import { HASH_BYTES } from '../crypto/hash.js'
import { MAX_HASHES_PER_FRAME, MAX_RANGES_PER_REQUEST, blockCount, type BlockRange, type FileErrorCode, type FileFrame } from '../wire/files.js'
import { openFileChannelOn, type FileChannel, type FileChannelHost } from './channel.js'
import { FileChangedError, type FileSource } from './source.js'
import { PartFileError, type PartFile } from './part-file.js'

/**
 * Blocks in flight or written-but-not-durable per transfer (8 MiB at the default block size): one
 * fsync of a loaded disk (tens of ms) must not stall the link, so a window holds a few syncs' worth.
 */
export const WINDOW_BLOCKS = 128
/** Written blocks synced together: fewer fsyncs, while the rest of the window keeps flowing. */
export const SYNC_EVERY_BLOCKS = 32
/** Blocks hashed per turn of the event loop on the receiver (see Fetch.onBlock). */
const VERIFY_PER_TURN = 4
/** Credit asked for in one request at least (unless nothing is in flight): fewer, larger requests. */
const MIN_REQUEST_BLOCKS = 16
/** Corrupt blocks accepted from a peer before it is dropped. */
export const MAX_BAD_BLOCKS = 4
/** Blocks a peer may have requested from us and not yet received, per file. */
export const MAX_QUEUED_BLOCKS = 4 * WINDOW_BLOCKS

export type FetchEnd =
  | { state: 'complete', path: string }
  | { state: 'failed', reason: string }
  | { state: 'cancelled' }
  | { state: 'paused' }

export interface FetchEvents {
  /** Bytes held or written so far (monotonic within one fetch). */
  onProgress? (bytes: number): void
  onEnd (end: FetchEnd): void
}

export interface ServeEvents {
  onSent? (fileId: Buffer, bytes: number): void
  /** The receiver has the whole file. */
  onDone? (fileId: Buffer): void
  /** Serving stopped: the file changed or cannot be read. */
  onFailed? (fileId: Buffer, reason: string): void
  /** The receiver cancelled. */
  onCancelled? (fileId: Buffer): void
}

export interface FilePeerOptions {
  /** Our offers by id (null: we never offered it, or it is finished). */
  lookup (fileId: Buffer): FileSource | null
  /** We offered it and cancelled it: a request for it is answered 'cancelled', not 'not-found'. */
  cancelled? (fileId: Buffer): boolean
  serve?: ServeEvents
  onOpen? (): void
  onClose? (): void
  onDrop? (reason: string): void
}

const key = (id: Buffer): string => id.toString('hex')

export class FilePeer {
  readonly channel: FileChannel
  readonly #opts: FilePeerOptions
  readonly #fetches = new Map<string, Fetch>()
  readonly #queue: Array<{ fileId: Buffer, index: number }> = []
  readonly #queued = new Map<string, number>()
  readonly #failedServes = new Set<string>()
  #pumping = false
  closed = false

  constructor (on: FileChannelHost, opts: FilePeerOptions) {
    this.#opts = opts
    this.channel = openFileChannelOn(on, {
      onOpen: () => opts.onOpen?.(),
      onClose: () => this.#onClose(),
      onFrame: (frame) => this.#onFrame(frame),
      onDrop: (reason) => opts.onDrop?.(reason)
    })
  }

  /** Starts (or resumes) fetching into `part`; `dest` is where the finished file goes. */
  fetch (part: PartFile, dest: string, events: FetchEvents): Fetch {
    const id = key(part.manifest.fileId)
    this.#fetches.get(id)?.pause()
    const f = new Fetch(this, part, dest, events, () => { if (this.#fetches.get(id) === f) this.#fetches.delete(id) })
    this.#fetches.set(id, f)
    f.start()
    return f
  }

  /** Tells the peer we stopped serving or fetching `fileId`. */
  cancel (fileId: Buffer): void {
    this.#fetches.get(key(fileId))?.cancel()
    this.#dropQueued(fileId)
    this.send({ type: 'error', fileId, code: 'cancelled' })
  }

  send (frame: FileFrame): boolean {
    return this.channel.send(frame)
  }

  close (): void {
    this.channel.close()
  }

  #onClose (): void {
    if (this.closed) return
    this.closed = true
    this.#queue.length = 0
    for (const f of [...this.#fetches.values()]) f.pause()
    this.#opts.onClose?.()
  }

  #onFrame (frame: FileFrame): void {
    switch (frame.type) {
      case 'hashes-request': return this.#serveHashes(frame.fileId, frame.start, frame.count)
      case 'request': return this.#enqueue(frame.fileId, frame.ranges)
      case 'done': this.#dropQueued(frame.fileId); this.#opts.serve?.onDone?.(frame.fileId); return
      case 'hashes': return this.#fetches.get(key(frame.fileId))?.onHashes(frame.start, frame.hashes)
      case 'block': return this.#fetches.get(key(frame.fileId))?.onBlock(frame.index, frame.data)
      case 'error': return this.#onError(frame.fileId, frame.code)
    }
  }

  #onError (fileId: Buffer, code: FileErrorCode): void {
    const f = this.#fetches.get(key(fileId))
    if (f !== undefined) return f.onPeerError(code)
    if (code === 'cancelled' && this.#opts.lookup(fileId) !== null) {
      this.#dropQueued(fileId)
      this.#opts.serve?.onCancelled?.(fileId)
    }
  }

  #source (fileId: Buffer): FileSource | null {
    if (this.#failedServes.has(key(fileId))) return null
    const src = this.#opts.lookup(fileId)
    if (src === null) this.send({ type: 'error', fileId, code: this.#opts.cancelled?.(fileId) === true ? 'cancelled' : 'not-found' })
    return src
  }

  #serveHashes (fileId: Buffer, start: number, count: number): void {
    const src = this.#source(fileId)
    if (src === null) return
    const total = src.blockCount
    if (!(start >= 0 && count > 0 && count <= MAX_HASHES_PER_FRAME && start + count <= total)) {
      this.send({ type: 'error', fileId, code: 'bad-request' })
      return
    }
    this.send({ type: 'hashes', fileId, start, hashes: src.hashes.subarray(start * HASH_BYTES, (start + count) * HASH_BYTES) })
  }

  #enqueue (fileId: Buffer, ranges: BlockRange[]): void {
    const src = this.#source(fileId)
    if (src === null) return
    const total = blockCount(src.manifest)
    const id = key(fileId)
    let queued = this.#queued.get(id) ?? 0
    for (const r of ranges) {
      if (!(r.count > 0 && r.start + r.count <= total) || queued + r.count > MAX_QUEUED_BLOCKS) {
        this.send({ type: 'error', fileId, code: 'bad-request' })
        return
      }
      for (let i = r.start; i < r.start + r.count; i++) this.#queue.push({ fileId, index: i })
      queued += r.count
    }
    this.#queued.set(id, queued)
    void this.#pump()
  }

  #dropQueued (fileId: Buffer): void {
    const id = key(fileId)
    for (let i = this.#queue.length - 1; i >= 0; i--) if (key(this.#queue[i].fileId) === id) this.#queue.splice(i, 1)
    this.#queued.delete(id)
  }

  /**
   * Sends queued blocks one at a time, each only when the stream has room; the next block is read
   * from disk while the stream drains, so the disk and the network overlap.
   */
  async #pump (): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      let next = this.#readNext()
      while (next !== null && !this.closed) {
        const item = await next
        next = this.#readNext()
        if (item === null || this.closed) continue
        const ok = this.send({ type: 'block', fileId: item.fileId, index: item.index, data: item.data })
        this.#opts.serve?.onSent?.(item.fileId, item.data.byteLength)
        if (!ok) await this.channel.drained()
      }
      if (next !== null) await next
    } finally {
      this.#pumping = false
    }
    if (this.#queue.length > 0 && !this.closed) void this.#pump()
  }

  /** Takes the next queued block and reads it; null when nothing is queued. */
  #readNext (): Promise<{ fileId: Buffer, index: number, data: Buffer } | null> | null {
    const item = this.#queue.shift()
    if (item === undefined) return null
    const { fileId, index } = item
    const id = key(fileId)
    this.#queued.set(id, Math.max(0, (this.#queued.get(id) ?? 1) - 1))
    const src = this.#opts.lookup(fileId)
    if (src === null || this.#failedServes.has(id)) return Promise.resolve(null)
    return src.readBlock(index).then((data) => this.#failedServes.has(id) ? null : { fileId, index, data }, (err) => {
      if (!this.#failedServes.has(id)) this.#failServe(fileId, err)
      return null
    })
  }

  #failServe (fileId: Buffer, err: unknown): void {
    const changed = err instanceof FileChangedError
    this.#failedServes.add(key(fileId))
    this.#dropQueued(fileId)
    this.send({ type: 'error', fileId, code: changed ? 'changed' : 'unreadable' })
    this.#opts.serve?.onFailed?.(fileId, (err as Error).message)
  }
}

/** One file being fetched over one FilePeer. */
export class Fetch {
  readonly part: PartFile
  readonly #peer: FilePeer
  readonly #dest: string
  readonly #events: FetchEvents
  readonly #detach: () => void
  readonly #outstanding = new Set<number>()
  /** Arrived and verified, waiting for their turn to be written. */
  readonly #writing = new Set<number>()
  #hashes: Buffer | null = null
  #hashesGot = 0
  #bad = 0
  #ended = false
  #syncing = false
  #sync: Promise<void> = Promise.resolve()
  /** Blocks off the wire waiting for their hash check (see onBlock). */
  readonly #arrived: Array<{ index: number, data: Buffer }> = []
  /** Part-file operations in order: writes, syncs and the final check never overlap. */
  #ops: Promise<void> = Promise.resolve()
  #finishing = false

  constructor (peer: FilePeer, part: PartFile, dest: string, events: FetchEvents, detach: () => void) {
    this.#peer = peer
    this.part = part
    this.#dest = dest
    this.#events = events
    this.#detach = detach
  }

  get fileId (): Buffer { return this.part.manifest.fileId }
  get ended (): boolean { return this.#ended }

  start (): void {
    if (this.part.hasHashes) return this.#pumpRequests()
    const count = this.part.count
    this.#hashes = Buffer.alloc(count * HASH_BYTES)
    for (let start = 0; start < count; start += MAX_HASHES_PER_FRAME) {
      this.#peer.send({ type: 'hashes-request', fileId: this.fileId, start, count: Math.min(MAX_HASHES_PER_FRAME, count - start) })
    }
  }

  onHashes (start: number, hashes: Buffer): void {
    if (this.#ended || this.#hashes === null) return
    if (hashes.byteLength % HASH_BYTES !== 0 || start * HASH_BYTES + hashes.byteLength > this.#hashes.byteLength || hashes.byteLength === 0) {
      return this.#strike()
    }
    hashes.copy(this.#hashes, start * HASH_BYTES)
    this.#hashesGot += hashes.byteLength / HASH_BYTES
    if (this.#hashesGot < this.part.count) return
    const all = this.#hashes
    this.#hashes = null
    this.#queue(async () => {
      if (await this.part.setHashes(all)) return this.#pumpRequests()
      this.#dropPeer('the sender\'s block list does not match the offer: it was refused')
    })
  }

  /**
   * A block off the wire is only queued here, and hashed a few per turn of the event loop: a
   * chat frame that arrived behind a burst of blocks is handled first instead of waiting for
   * every block's hash (64 KiB is 0.1–0.3 ms of hashing each).
   */
  onBlock (index: number, data: Buffer): void {
    if (this.#ended) return
    this.#arrived.push({ index, data })
    if (this.#arrived.length === 1) setImmediate(() => this.#verifyArrived())
  }

  #verifyArrived (): void {
    for (let n = 0; n < VERIFY_PER_TURN && this.#arrived.length > 0; n++) {
      const { index, data } = this.#arrived.shift()!
      this.#verified(index, data)
    }
    if (this.#arrived.length > 0) setImmediate(() => this.#verifyArrived())
  }

  #verified (index: number, data: Buffer): void {
    if (this.#ended) return
    if (!this.#outstanding.delete(index)) return this.#strike()
    if (!this.part.verify(index, data)) {
      this.#strike()
      return this.#pumpRequests()
    }
    this.#writing.add(index)
    this.#queue(async () => {
      try {
        await this.part.writeBlock(index, data, true)
      } finally {
        this.#writing.delete(index)
      }
      this.#events.onProgress?.(this.part.heldBytes + this.part.unsyncedCount * this.part.manifest.blockSize)
      this.#maybeSync()
      this.#pumpRequests()
    })
  }

  /** Syncs beside the writes (never in their queue): a batch is due, or nothing else will come. */
  #maybeSync (): void {
    if (this.#syncing || this.#ended) return
    const idle = this.#outstanding.size + this.#writing.size === 0
    if (this.part.unsyncedCount < SYNC_EVERY_BLOCKS && !(idle && this.part.unsyncedCount > 0)) return
    this.#syncing = true
    this.#sync = this.part.sync().then(() => {
      this.#syncing = false
      this.#maybeSync()
      this.#pumpRequests()
    }, (err: Error) => {
      this.#syncing = false
      this.#end({ state: 'failed', reason: `cannot write ${this.part.partPath}: ${err.message}` })
    })
  }

  onPeerError (code: FileErrorCode): void {
    if (this.#ended) return
    if (code === 'cancelled') return this.#end({ state: 'cancelled' })
    const reasons: Record<FileErrorCode, string> = {
      changed: 'the file changed on the sender\'s disk after the offer; ask them to send it again',
      'not-found': 'the sender no longer offers this file',
      unreadable: 'the sender cannot read the file any more',
      'bad-request': 'the sender refused our request (a bug: please report it)',
      cancelled: ''
    }
    this.#end({ state: 'failed', reason: reasons[code] })
  }

  /** Stops asking; what is held stays held for a later resume. */
  pause (): void {
    if (this.#ended) return
    this.#queue(async () => { await this.part.sync() })
    this.#end({ state: 'paused' })
  }

  cancel (): void {
    this.#end({ state: 'cancelled' })
  }

  #pumpRequests (): void {
    if (this.#ended || this.#finishing) return
    if (this.part.complete) return this.#finish()
    const credit = WINDOW_BLOCKS - this.#outstanding.size - this.#writing.size - this.part.unsyncedCount
    if (credit <= 0 || (credit < MIN_REQUEST_BLOCKS && this.#outstanding.size > 0)) return
    const wanted = this.part.missing(WINDOW_BLOCKS * 3).filter((i) => !this.#outstanding.has(i) && !this.#writing.has(i)).slice(0, credit)
    if (wanted.length === 0) return
    for (const i of wanted) this.#outstanding.add(i)
    this.#peer.send({ type: 'request', fileId: this.fileId, ranges: toRanges(wanted) })
  }

  #finish (): void {
    this.#finishing = true
    this.#queue(async () => {
      try {
        await this.#sync
        const path = await this.part.finish(this.#dest)
        this.#peer.send({ type: 'done', fileId: this.fileId })
        this.#end({ state: 'complete', path })
      } catch (err) {
        this.#finishing = false
        if (err instanceof PartFileError) return this.#pumpRequests()
        throw err
      }
    })
  }

  #strike (): void {
    if (++this.#bad >= MAX_BAD_BLOCKS) this.#dropPeer(`the sender sent ${this.#bad} corrupt blocks; the transfer was stopped and the peer dropped`)
  }

  #dropPeer (reason: string): void {
    this.#end({ state: 'failed', reason })
    this.#peer.channel.dropPeer()
  }

  #queue (op: () => Promise<void>): void {
    this.#ops = this.#ops.then(op).catch((err: Error) => {
      this.#end({ state: 'failed', reason: `cannot write ${this.part.partPath}: ${err.message}` })
    })
  }

  /** Resolves once queued part-file work (writes, syncs) is done. */
  async settled (): Promise<void> {
    await this.#ops
    await this.#sync
  }

  #end (end: FetchEnd): void {
    if (this.#ended) return
    this.#ended = true
    this.#outstanding.clear()
    this.#detach()
    this.#events.onEnd(end)
  }
}

/** Sorted indices as runs, at most MAX_RANGES_PER_REQUEST of them. */
export function toRanges (indices: number[]): BlockRange[] {
  const out: BlockRange[] = []
  for (const i of indices) {
    const last = out[out.length - 1]
    if (last !== undefined && last.start + last.count === i) last.count++
    else if (out.length < MAX_RANGES_PER_REQUEST) out.push({ start: i, count: 1 })
  }
  return out
}
