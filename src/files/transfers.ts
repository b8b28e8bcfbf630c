/**
 * Every file transfer of a profile: offers made and received, their state across restarts, and
 * the psst-file/1 peers that move the bytes. The daemon gives it a way to put an offer into a
 * friend's chat stream (so an offer is delivered exactly once, also through the mailbox) and
 * hands it each friend's connection when it comes up.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import type { FileChannelHost } from './channel.js'
import { PsstError } from '../errors.js'
import { FilePeer, type Fetch, type FetchEnd } from './peer.js'
import { FileSource, manifestFor } from './source.js'
import { PartFile } from './part-file.js'
import { RecordDir } from './records.js'
import { reserveDestination } from './naming.js'
import { decodeFileMessage, decodeManifest, encodeFileCancel, encodeManifest, type Direction, type Manifest, type TransferRecord, type TransferState } from '../wire/files.js'

/** One transfer as clients see it (`psst file list --json`). */
export interface FileInfo {
  fileId: string
  friend: string
  direction: Direction
  name: string
  size: number
  bytes: number
  state: TransferState
  path: string
  /** Why it failed, for failed transfers. */
  reason?: string
}

export type FileEvent =
  | { type: 'file-offer' } & FileInfo
  | { type: 'file-progress' } & FileInfo
  | { type: 'file-complete' } & FileInfo
  | { type: 'file-failed' } & FileInfo

export interface TransfersHost {
  /** `<home>/files` */
  dir: string
  /** Puts a file message (an offer's manifest, a cancel notice) into the friend's chat stream. */
  sendFileMessage (friend: string, bytes: Buffer): Promise<void>
  emit (event: FileEvent): void
  /** `--to`, else the profile's default download folder. */
  downloadDir (to?: string): string
  now (): number
  count (counter: string): void
}

/** At most this many progress events a second per transfer. */
const PROGRESS_EVERY_MS = 250
const TERMINAL: ReadonlySet<TransferState> = new Set(['complete', 'failed', 'cancelled'])

interface Transfer {
  id: string
  rec: TransferRecord
  manifest: Manifest
  source: FileSource | null
  part: PartFile | null
  fetch: Fetch | null
  lastProgress: number
}

export class Transfers {
  readonly #host: TransfersHost
  readonly #records: RecordDir
  readonly #all = new Map<string, Transfer>()
  readonly #peers = new Map<string, FilePeer>()
  #closed = false

  private constructor (host: TransfersHost) {
    this.#host = host
    this.#records = new RecordDir(host.dir)
  }

  static async load (host: TransfersHost): Promise<Transfers> {
    const t = new Transfers(host)
    await t.#records.init()
    const { records, damaged } = await t.#records.loadAll()
    if (damaged > 0) host.count('file-records-damaged')
    for (const { id, rec } of records) {
      const manifest = decodeManifest(rec.manifest)
      if (manifest === null) { host.count('file-records-damaged'); continue }
      const tr: Transfer = { id, rec, manifest, source: null, part: null, fetch: null, lastProgress: 0 }
      if (rec.direction === 'out' && !TERMINAL.has(rec.state)) {
        const hashes = await t.#records.loadHashes(id)
        if (hashes === null) t.#fail(tr, 'the block list of this offer was lost; send the file again', false)
        else tr.source = new FileSource(rec.path, manifest, hashes, { size: rec.stampSize, mtimeMs: rec.stampMtimeMs, ino: rec.stampIno })
      }
      if (rec.direction === 'in' && (rec.state === 'accepted' || rec.state === 'active' || rec.state === 'paused')) {
        try {
          tr.part = await PartFile.open(rec.part, t.#records.statePath(id))
          rec.state = 'paused'
          rec.bytes = tr.part.heldBytes
        } catch (err) {
          t.#fail(tr, `the partial file is gone or damaged (${(err as Error).message}); ask for the file again`, false)
        }
      }
      t.#all.set(id, tr)
    }
    return t
  }

  list (): FileInfo[] {
    return [...this.#all.values()].sort((a, b) => a.rec.createdAt - b.rec.createdAt).map((t) => this.#info(t))
  }

  /** Hashes `path`, records the offer, and puts it into the friend's chat stream. */
  async send (friend: string, path: string, name?: string): Promise<FileInfo> {
    const st = await fs.stat(path).catch(() => null)
    if (st === null) throw PsstError.notFound(`no file at ${path}`)
    if (!st.isFile()) throw PsstError.usage(`${path} is not a regular file`)
    const fileId = randomBytes(16)
    const { manifest, hashed } = await manifestFor(path, { fileId, name })
    const id = fileId.toString('hex')
    const rec: TransferRecord = {
      direction: 'out', friend: Buffer.from(friend, 'hex'), manifest: encodeManifest(manifest), state: 'offered',
      path, part: '', bytes: 0, stampSize: hashed.stamp.size, stampMtimeMs: hashed.stamp.mtimeMs, stampIno: hashed.stamp.ino,
      createdAt: this.#host.now(), reason: ''
    }
    const tr: Transfer = { id, rec, manifest, source: new FileSource(path, manifest, hashed.hashes, hashed.stamp), part: null, fetch: null, lastProgress: 0 }
    await this.#records.saveHashes(id, hashed.hashes)
    await this.#records.save(id, rec)
    this.#all.set(id, tr)
    await this.#host.sendFileMessage(friend, rec.manifest)
    return this.#info(tr)
  }

  /** A file message that arrived in a friend's chat stream: an offer or a cancel notice. */
  async onFileMessage (friend: string, bytes: Uint8Array): Promise<void> {
    const msg = decodeFileMessage(bytes)
    if (msg === null) { this.#host.count('file-offers-malformed'); return }
    if (msg.type === 'cancel') return await this.#onCancelNotice(friend, msg.fileId)
    await this.#onOffer(friend, msg.manifest, bytes)
  }

  /** An offer (a replay of a known one is ignored). */
  async #onOffer (friend: string, manifest: Manifest, bytes: Uint8Array): Promise<void> {
    const id = manifest.fileId.toString('hex')
    if (this.#all.has(id)) return
    const rec: TransferRecord = {
      direction: 'in', friend: Buffer.from(friend, 'hex'), manifest: Buffer.from(bytes), state: 'offered',
      path: '', part: '', bytes: 0, stampSize: 0, stampMtimeMs: 0, stampIno: 0, createdAt: this.#host.now(), reason: ''
    }
    const tr: Transfer = { id, rec, manifest, source: null, part: null, fetch: null, lastProgress: 0 }
    this.#all.set(id, tr)
    await this.#records.save(id, rec)
    this.#host.emit({ type: 'file-offer', ...this.#info(tr) })
  }

  /** Reserves a safe name in the download folder and starts (or queues) the fetch. */
  async accept (ref: string, to?: string): Promise<FileInfo> {
    const tr = this.#find(ref)
    if (tr.rec.direction !== 'in') throw PsstError.usage('that is a file you offered; the friend accepts it')
    if (tr.rec.state !== 'offered') throw PsstError.usage(`that file is already ${tr.rec.state}`)
    const dir = this.#host.downloadDir(to)
    let reserved
    try {
      reserved = await reserveDestination(dir, tr.manifest.name)
    } catch (err) {
      throw new PsstError('STORE_FAILED', `cannot write to ${dir}: ${(err as Error).message}; pick another folder with --to`)
    }
    tr.part = await PartFile.create(tr.manifest, reserved.part, this.#records.statePath(tr.id))
    tr.rec.path = reserved.dest
    tr.rec.part = reserved.part
    tr.rec.state = 'accepted'
    await this.#save(tr)
    const peer = this.#peers.get(tr.rec.friend.toString('hex'))
    if (peer?.channel.opened === true) this.#startFetch(tr, peer)
    return this.#info(tr)
  }

  /** The id of the one offer from `friend` waiting for an answer. */
  offerFrom (friend: string): string {
    const offers = [...this.#all.values()].filter((t) => t.rec.direction === 'in' && t.rec.state === 'offered' && t.rec.friend.toString('hex') === friend)
    if (offers.length === 0) throw PsstError.notFound('no file offer waits for an answer from that friend')
    if (offers.length > 1) throw new PsstError('AMBIGUOUS', `${offers.length} file offers wait: name one by id (${offers.map((t) => t.id.slice(0, 8)).join(', ')})`)
    return offers[0].id
  }

  /**
   * Stops the transfer here and tells the friend twice: on psst-file/1 if the link is up (the
   * bytes stop at once), and as a notice in the chat stream, which reaches them exactly once even
   * when they are offline now (outbox, mailbox).
   */
  async cancel (ref: string): Promise<FileInfo> {
    const tr = this.#find(ref)
    if (TERMINAL.has(tr.rec.state)) throw PsstError.usage(`that file is already ${tr.rec.state}`)
    const friend = tr.rec.friend.toString('hex')
    await this.#stop(tr)
    tr.rec.state = 'cancelled'
    this.#peers.get(friend)?.cancel(tr.manifest.fileId)
    await this.#save(tr)
    await this.#host.sendFileMessage(friend, encodeFileCancel(tr.manifest.fileId))
    return this.#info(tr)
  }

  /** Stops moving bytes for `tr` and drops its partial file (the record stays). */
  async #stop (tr: Transfer): Promise<void> {
    tr.fetch?.cancel()
    tr.fetch = null
    await tr.part?.discard()
    tr.part = null
    await tr.source?.close()
    tr.source = null
  }

  /** The friend cancelled, maybe while we were offline; only their own transfers, never another's. */
  async #onCancelNotice (friend: string, fileId: Buffer): Promise<void> {
    const tr = this.#all.get(fileId.toString('hex'))
    if (tr === undefined || tr.rec.friend.toString('hex') !== friend || TERMINAL.has(tr.rec.state)) return
    await this.#stop(tr)
    await this.#cancelledByPeer(tr)
  }

  /** A friend's link is up: open psst-file/1 on it. */
  attach (friend: string, on: FileChannelHost): void {
    if (this.#closed) return
    const old = this.#peers.get(friend)
    if (old !== undefined && !old.closed) old.close()
    const peer: FilePeer = new FilePeer(on, {
      lookup: (fileId) => this.#sourceFor(friend, fileId),
      cancelled: (fileId) => { const tr = this.#all.get(fileId.toString('hex')); return tr?.rec.direction === 'out' && tr.rec.state === 'cancelled' && tr.rec.friend.toString('hex') === friend },
      serve: {
        onSent: (fileId, n) => this.#onSent(fileId, n),
        onDone: (fileId) => this.#onServed(fileId),
        onFailed: (fileId, reason) => { const tr = this.#all.get(fileId.toString('hex')); if (tr !== undefined) this.#fail(tr, reason) },
        onCancelled: (fileId) => { const tr = this.#all.get(fileId.toString('hex')); if (tr !== undefined) void this.#cancelledByPeer(tr) }
      },
      onOpen: () => this.#resumeWith(friend, peer),
      onClose: () => { if (this.#peers.get(friend) === peer) this.#peers.delete(friend) },
      onDrop: (reason) => this.#host.count(`file-${reason}`)
    })
    this.#peers.set(friend, peer)
  }

  async close (): Promise<void> {
    this.#closed = true
    for (const p of this.#peers.values()) p.close()
    this.#peers.clear()
    for (const tr of this.#all.values()) {
      tr.fetch?.pause()
      if (tr.fetch !== null) await tr.fetch.settled()
      await tr.part?.close()
      await tr.source?.close()
    }
  }

  #find (ref: string): Transfer {
    const r = ref.trim().toLowerCase()
    if (!/^[0-9a-f]{4,32}$/.test(r)) throw PsstError.usage(`"${ref}" is not a file id (psst file list shows them)`)
    const hits = [...this.#all.values()].filter((t) => t.id.startsWith(r))
    if (hits.length === 0) throw PsstError.notFound(`no file transfer ${ref}; psst file list shows them`)
    if (hits.length > 1) throw new PsstError('AMBIGUOUS', `${ref} matches ${hits.length} transfers; give more of the id`)
    return hits[0]
  }

  #sourceFor (friend: string, fileId: Buffer): FileSource | null {
    const tr = this.#all.get(fileId.toString('hex'))
    if (tr === undefined || tr.rec.direction !== 'out' || tr.source === null || TERMINAL.has(tr.rec.state)) return null
    return tr.rec.friend.toString('hex') === friend ? tr.source : null
  }

  #resumeWith (friend: string, peer: FilePeer): void {
    for (const tr of this.#all.values()) {
      if (tr.rec.direction !== 'in' || tr.part === null || tr.rec.friend.toString('hex') !== friend) continue
      if (tr.rec.state === 'accepted' || tr.rec.state === 'paused' || tr.rec.state === 'active') this.#startFetch(tr, peer)
    }
  }

  /** Fetches on `peer`; a fetch still running on an older link is stopped and its end ignored. */
  #startFetch (tr: Transfer, peer: FilePeer): void {
    const part = tr.part!
    const old = tr.fetch
    tr.fetch = null
    old?.pause()
    void this.#setState(tr, 'active')
    const fetch: Fetch = peer.fetch(part, tr.rec.path, {
      onProgress: (bytes) => { tr.rec.bytes = Math.min(bytes, tr.manifest.size); this.#progress(tr) },
      onEnd: (end) => { if (tr.fetch === fetch) void this.#onFetchEnd(tr, end) }
    })
    tr.fetch = fetch
  }

  async #onFetchEnd (tr: Transfer, end: FetchEnd): Promise<void> {
    tr.fetch = null
    switch (end.state) {
      case 'complete':
        tr.part = null
        tr.rec.path = end.path
        tr.rec.bytes = tr.manifest.size
        await this.#setState(tr, 'complete')
        this.#host.emit({ type: 'file-complete', ...this.#info(tr) })
        return
      case 'paused':
        if (!TERMINAL.has(tr.rec.state)) await this.#setState(tr, 'paused')
        return
      case 'cancelled':
        await tr.part?.discard()
        tr.part = null
        await this.#cancelledByPeer(tr)
        return
      case 'failed':
        await tr.part?.discard()
        tr.part = null
        this.#fail(tr, end.reason)
    }
  }

  /** The other side cancelled: told as a file-failed event with state cancelled. */
  async #cancelledByPeer (tr: Transfer): Promise<void> {
    if (TERMINAL.has(tr.rec.state)) return
    tr.rec.reason = 'cancelled by the friend'
    await tr.source?.close()
    tr.source = null
    await this.#setState(tr, 'cancelled')
    this.#host.emit({ type: 'file-failed', ...this.#info(tr) })
  }

  #onSent (fileId: Buffer, n: number): void {
    const tr = this.#all.get(fileId.toString('hex'))
    if (tr === undefined) return
    if (tr.rec.state === 'offered') void this.#setState(tr, 'active')
    this.#host.count('file-blocks-sent')
    tr.rec.bytes = Math.min(tr.manifest.size, tr.rec.bytes + n)
    this.#progress(tr)
  }

  #onServed (fileId: Buffer): void {
    const tr = this.#all.get(fileId.toString('hex'))
    if (tr === undefined || tr.rec.direction !== 'out' || TERMINAL.has(tr.rec.state)) return
    tr.rec.bytes = tr.manifest.size
    void tr.source?.close()
    void this.#setState(tr, 'complete').then(() => this.#host.emit({ type: 'file-complete', ...this.#info(tr) }))
  }

  #progress (tr: Transfer): void {
    const now = this.#host.now()
    if (now - tr.lastProgress < PROGRESS_EVERY_MS) return
    tr.lastProgress = now
    this.#host.emit({ type: 'file-progress', ...this.#info(tr) })
  }

  #fail (tr: Transfer, reason: string, emit = true): void {
    if (TERMINAL.has(tr.rec.state)) return
    tr.rec.reason = reason
    tr.rec.state = 'failed'
    void tr.source?.close()
    tr.source = null
    void this.#save(tr)
    if (emit) this.#host.emit({ type: 'file-failed', ...this.#info(tr) })
  }

  async #setState (tr: Transfer, state: TransferState): Promise<void> {
    tr.rec.state = state
    await this.#save(tr)
  }

  async #save (tr: Transfer): Promise<void> {
    try {
      await this.#records.save(tr.id, tr.rec)
    } catch {
      this.#host.count('file-record-write-failed')
    }
  }

  #info (tr: Transfer): FileInfo {
    const info: FileInfo = {
      fileId: tr.id,
      friend: tr.rec.friend.toString('hex'),
      direction: tr.rec.direction,
      name: tr.manifest.name,
      size: tr.manifest.size,
      bytes: tr.rec.bytes,
      state: tr.rec.state,
      path: tr.rec.path
    }
    if (tr.rec.state === 'failed' || (tr.rec.state === 'cancelled' && tr.rec.reason !== '')) info.reason = tr.rec.reason
    return info
  }
}
