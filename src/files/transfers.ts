/**
 * Every file transfer of a profile: offers made and received, their state across restarts, and
 * the psst-file/1 peers that move the bytes. The daemon gives it a way to put an offer into a
 * friend's chat stream (so an offer is delivered exactly once, also through the mailbox) and
 * hands it each friend's connection when it comes up.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { basename, join } from 'node:path'
import type { FileChannelHost } from './channel.js'
import { PsstError } from '../errors.js'
import { FilePeer, type Fetch, type FetchEnd } from './peer.js'
import { FileSource, manifestFor } from './source.js'
import { PartFile } from './part-file.js'
import { RecordDir } from './records.js'
import type { Sealer } from './sealed.js'
import { reserveDestination } from './naming.js'
import { AVATAR_MAX_BYTES, avatarId, avatarPath, formatOfName, isGoodAvatar, readAvatar } from './avatars.js'
import { blake2b256 } from '../crypto/hash.js'
import type { AvatarInfo } from '../wire/api.js'
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
  | { type: 'avatar', friend: string, path: string }

export interface TransfersHost {
  /** `<home>/files` */
  dir: string
  /** `<home>/avatars`: mine and friends', each named by its id. */
  avatarDir: string
  /** Seals the records in `dir` for a passphrase profile (plain when absent). */
  sealer?: Sealer
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
  /** The same transfers by friend and wire file id (an avatar's id is shared by all its friends). */
  readonly #wire = new Map<string, Transfer>()
  readonly #peers = new Map<string, FilePeer>()
  #closed = false

  private constructor (host: TransfersHost) {
    this.#host = host
    this.#records = new RecordDir(host.dir, host.sealer)
  }

  static async load (host: TransfersHost): Promise<Transfers> {
    const t = new Transfers(host)
    await t.#records.init()
    await fs.mkdir(host.avatarDir, { recursive: true, mode: 0o700 })
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
          tr.part = await PartFile.open(rec.part, t.#records.statePath(id), t.#records.sealer)
          rec.state = 'paused'
          rec.bytes = tr.part.heldBytes
        } catch (err) {
          t.#fail(tr, `the partial file is gone or damaged (${(err as Error).message}); ask for the file again`, false)
        }
      }
      t.#add(tr)
    }
    if (t.#records.migrated > 0) host.count('file-records-migrated')
    return t
  }

  /** Files only: avatars move on their own and show in `friends` instead. */
  list (): FileInfo[] {
    return [...this.#all.values()].filter((t) => t.manifest.kind === 'file').sort((a, b) => a.rec.createdAt - b.rec.createdAt).map((t) => this.#info(t))
  }

  /** The newest transfer of a (friend, file id) answers for it: the same avatar may be offered again. */
  #add (tr: Transfer): void {
    this.#all.set(tr.id, tr)
    const key = wireKey(tr.rec.friend.toString('hex'), tr.manifest.fileId)
    const had = this.#wire.get(key)
    if (had === undefined || had.rec.createdAt <= tr.rec.createdAt) this.#wire.set(key, tr)
  }

  #byWire (friend: string, fileId: Buffer): Transfer | undefined {
    return this.#wire.get(wireKey(friend, fileId))
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
    this.#add(tr)
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
    if (manifest.kind === 'avatar') return await this.#onAvatarOffer(friend, manifest, bytes)
    const id = manifest.fileId.toString('hex')
    if (this.#all.has(id) || this.#byWire(friend, manifest.fileId) !== undefined) return
    const rec: TransferRecord = {
      direction: 'in', friend: Buffer.from(friend, 'hex'), manifest: Buffer.from(bytes), state: 'offered',
      path: '', part: '', bytes: 0, stampSize: 0, stampMtimeMs: 0, stampIno: 0, createdAt: this.#host.now(), reason: ''
    }
    const tr: Transfer = { id, rec, manifest, source: null, part: null, fetch: null, lastProgress: 0 }
    this.#add(tr)
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
    tr.part = await PartFile.create(tr.manifest, reserved.part, this.#records.statePath(tr.id), this.#records.sealer)
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
    const tr = this.#byWire(friend, fileId)
    if (tr === undefined || TERMINAL.has(tr.rec.state)) return
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
      cancelled: (fileId) => { const tr = this.#byWire(friend, fileId); return tr?.rec.direction === 'out' && tr.rec.state === 'cancelled' },
      serve: {
        onSent: (fileId, n) => this.#onSent(this.#byWire(friend, fileId), n),
        onDone: (fileId) => this.#onServed(this.#byWire(friend, fileId)),
        onFailed: (fileId, reason) => { const tr = this.#byWire(friend, fileId); if (tr !== undefined) this.#fail(tr, reason) },
        onCancelled: (fileId) => { const tr = this.#byWire(friend, fileId); if (tr !== undefined) void this.#cancelledByPeer(tr) }
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
    const hits = [...this.#all.values()].filter((t) => t.manifest.kind === 'file' && t.id.startsWith(r))
    if (hits.length === 0) throw PsstError.notFound(`no file transfer ${ref}; psst file list shows them`)
    if (hits.length > 1) throw new PsstError('AMBIGUOUS', `${ref} matches ${hits.length} transfers; give more of the id`)
    return hits[0]
  }

  #sourceFor (friend: string, fileId: Buffer): FileSource | null {
    const tr = this.#byWire(friend, fileId)
    if (tr === undefined || tr.rec.direction !== 'out' || tr.source === null || TERMINAL.has(tr.rec.state)) return null
    return tr.source
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
        if (tr.manifest.kind === 'avatar') return await this.#avatarArrived(tr)
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
    if (tr.manifest.kind === 'file') this.#host.emit({ type: 'file-failed', ...this.#info(tr) })
  }

  #onSent (tr: Transfer | undefined, n: number): void {
    if (tr === undefined) return
    if (tr.rec.state === 'offered') void this.#setState(tr, 'active')
    this.#host.count('file-blocks-sent')
    tr.rec.bytes = Math.min(tr.manifest.size, tr.rec.bytes + n)
    this.#progress(tr)
  }

  #onServed (tr: Transfer | undefined): void {
    if (tr === undefined || tr.rec.direction !== 'out' || TERMINAL.has(tr.rec.state)) return
    tr.rec.bytes = tr.manifest.size
    void tr.source?.close()
    void this.#setState(tr, 'complete').then(() => { if (tr.manifest.kind === 'file') this.#host.emit({ type: 'file-complete', ...this.#info(tr) }) })
  }

  #progress (tr: Transfer): void {
    if (tr.manifest.kind === 'avatar') return
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
    if (emit && tr.manifest.kind === 'file') this.#host.emit({ type: 'file-failed', ...this.#info(tr) })
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

  /** Stores a copy of the picture as my avatar (named by its id) and offers it to `friends`. */
  async setAvatar (path: string, friends: string[]): Promise<AvatarInfo> {
    const { bytes, format } = await readAvatar(path)
    const id = avatarId(bytes)
    const stored = avatarPath(this.#host.avatarDir, id, format)
    if (!await isGoodAvatar(stored, id)) await writeAtomic(stored, bytes)
    await writeAtomic(this.#selfPointer, Buffer.from(basename(stored)))
    for (const friend of friends) await this.offerAvatarTo(friend)
    return { path: stored, fileId: id.toString('hex'), size: bytes.byteLength }
  }

  async avatar (): Promise<AvatarInfo> {
    const mine = await this.#selfAvatar()
    if (mine === null) return { path: null, fileId: null, size: 0 }
    return { path: mine.path, fileId: mine.fileId.toString('hex'), size: (await fs.stat(mine.path)).size }
  }

  /** `<avatars>/self` names my current avatar's file. */
  get #selfPointer (): string { return join(this.#host.avatarDir, 'self') }

  async #selfAvatar (): Promise<{ path: string, fileId: Buffer } | null> {
    const name = (await fs.readFile(this.#selfPointer, 'utf8').catch(() => '')).trim()
    if (!/^[0-9a-f]{32}\.(png|jpg)$/.test(name)) return null
    const path = join(this.#host.avatarDir, name)
    const fileId = Buffer.from(name.slice(0, 32), 'hex')
    return await isGoodAvatar(path, fileId) ? { path, fileId } : null
  }

  /** Offers my avatar to a friend who has not been offered this picture yet; older offers of another one stop. */
  async offerAvatarTo (friend: string): Promise<void> {
    const mine = await this.#selfAvatar()
    if (mine === null || this.#closed) return
    const { path, fileId } = mine
    const latest = this.#latestAvatar(friend, 'out')
    if (latest !== null && latest.manifest.fileId.equals(fileId) && (latest.rec.state === 'complete' || !TERMINAL.has(latest.rec.state))) return
    for (const old of this.#all.values()) {
      if (old.manifest.kind !== 'avatar' || old.rec.direction !== 'out' || old.rec.friend.toString('hex') !== friend || TERMINAL.has(old.rec.state)) continue
      await this.#stop(old)
      old.rec.reason = 'replaced by a newer avatar'
      await this.#setState(old, 'cancelled')
    }
    const { manifest, hashed } = await manifestFor(path, { fileId, kind: 'avatar', name: `avatar.${path.slice(-3)}` })
    // Salted: the same picture may be offered to the same friend again (set, changed, set back).
    const id = recordId(friend, manifest, randomBytes(8))
    const rec: TransferRecord = {
      direction: 'out', friend: Buffer.from(friend, 'hex'), manifest: encodeManifest(manifest), state: 'offered',
      path, part: '', bytes: 0, stampSize: hashed.stamp.size, stampMtimeMs: hashed.stamp.mtimeMs, stampIno: hashed.stamp.ino,
      createdAt: this.#host.now(), reason: ''
    }
    const tr: Transfer = { id, rec, manifest, source: new FileSource(path, manifest, hashed.hashes, hashed.stamp), part: null, fetch: null, lastProgress: 0 }
    await this.#records.saveHashes(id, hashed.hashes)
    await this.#records.save(id, rec)
    this.#add(tr)
    await this.#host.sendFileMessage(friend, rec.manifest)
  }

  /** The friend's latest avatar that arrived whole, or null. */
  avatarOf (friend: string): string | null {
    const latest = this.#latestAvatar(friend, 'in', 'complete')
    return latest?.rec.path ?? null
  }

  #latestAvatar (friend: string, direction: Direction, state?: TransferState): Transfer | null {
    let best: Transfer | null = null
    for (const tr of this.#all.values()) {
      if (tr.manifest.kind !== 'avatar' || tr.rec.direction !== direction || tr.rec.friend.toString('hex') !== friend) continue
      if (state !== undefined && tr.rec.state !== state) continue
      if (best === null || tr.rec.createdAt >= best.rec.createdAt) best = tr
    }
    return best
  }

  /**
   * A friend's avatar is fetched without asking (it is small and capped); a picture we hold
   * already (its id is its hash) is taken from what we hold, without a transfer.
   */
  async #onAvatarOffer (friend: string, manifest: Manifest, bytes: Uint8Array): Promise<void> {
    const format = formatOfName(manifest.name)
    if (manifest.size > AVATAR_MAX_BYTES || manifest.size === 0 || format === null) { this.#host.count('avatar-offers-refused'); return }
    const known = this.#byWire(friend, manifest.fileId)
    if (known !== undefined && !TERMINAL.has(known.rec.state)) return
    if (known?.rec.state === 'complete' && await isGoodAvatar(known.rec.path, manifest.fileId)) {
      // A picture they had before, set again: it is theirs again, nothing to fetch.
      known.rec.createdAt = this.#host.now()
      await this.#save(known)
      this.#host.emit({ type: 'avatar', friend, path: known.rec.path })
      return
    }
    for (const old of this.#all.values()) {
      if (old.manifest.kind === 'avatar' && old.rec.direction === 'in' && old.rec.friend.toString('hex') === friend && !TERMINAL.has(old.rec.state)) {
        await this.#stop(old)
        await this.#setState(old, 'cancelled')
      }
    }
    const dest = avatarPath(this.#host.avatarDir, manifest.fileId, format)
    const id = recordId(friend, manifest)
    const rec: TransferRecord = {
      direction: 'in', friend: Buffer.from(friend, 'hex'), manifest: Buffer.from(bytes), state: 'offered',
      path: dest, part: `${dest}.${id.slice(0, 8)}.part`, bytes: 0, stampSize: 0, stampMtimeMs: 0, stampIno: 0, createdAt: this.#host.now(), reason: ''
    }
    const tr: Transfer = { id, rec, manifest, source: null, part: null, fetch: null, lastProgress: 0 }
    this.#add(tr)
    if (await isGoodAvatar(dest, manifest.fileId)) {
      tr.rec.bytes = manifest.size
      await this.#setState(tr, 'complete')
      this.#host.emit({ type: 'avatar', friend, path: dest })
      return
    }
    tr.part = await PartFile.create(manifest, rec.part, this.#records.statePath(id), this.#records.sealer)
    tr.rec.state = 'accepted'
    await this.#save(tr)
    const peer = this.#peers.get(friend)
    if (peer?.channel.opened === true) this.#startFetch(tr, peer)
  }

  /** The avatar's bytes are checked again (an image, and the picture its id names) before anyone sees it. */
  async #avatarArrived (tr: Transfer): Promise<void> {
    const friend = tr.rec.friend.toString('hex')
    const dest = avatarPath(this.#host.avatarDir, tr.manifest.fileId, formatOfName(tr.manifest.name) ?? 'png')
    if (!await isGoodAvatar(tr.rec.path, tr.manifest.fileId)) {
      await fs.unlink(tr.rec.path).catch(() => {})
      this.#host.count('avatar-not-an-image')
      return this.#fail(tr, 'the avatar is not a PNG or JPEG image of the promised content')
    }
    // placeFinished never overwrites: a picture that arrived twice at once lands as `<id> (1).png`.
    if (tr.rec.path !== dest) {
      if (await isGoodAvatar(dest, tr.manifest.fileId)) await fs.unlink(tr.rec.path).catch(() => {})
      else await fs.rename(tr.rec.path, dest)
      tr.rec.path = dest
    }
    await this.#setState(tr, 'complete')
    this.#host.emit({ type: 'avatar', friend, path: dest })
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

function wireKey (friend: string, fileId: Buffer): string {
  return `${friend}:${fileId.toString('hex')}`
}

/**
 * A transfer's record id: a file's own id; for an avatar, whose id is its picture's hash and so
 * the same for every friend, a hash of friend and id.
 */
function recordId (friend: string, manifest: Manifest, salt: Buffer = Buffer.alloc(0)): string {
  if (manifest.kind !== 'avatar') return manifest.fileId.toString('hex')
  return blake2b256(Buffer.concat([Buffer.from(friend, 'hex'), manifest.fileId, salt])).subarray(0, 16).toString('hex')
}

async function writeAtomic (path: string, bytes: Buffer): Promise<void> {
  const tmp = `${path}.tmp`
  await fs.writeFile(tmp, bytes, { mode: 0o600 })
  const fh = await fs.open(tmp, 'r')
  try { await fh.sync() } finally { await fh.close() }
  await fs.rename(tmp, path)
}
