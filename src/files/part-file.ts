/**
 * The receiver's side of a file: blocks written in place to `<dest>.part`, and a state file that
 * records which blocks are held. Crash safety: a block's bit is set only after the part file was
 * fdatasync'ed with its bytes, and the bits only ever go 0 -> 1, so a torn write of the bitmap can
 * only forget blocks, never claim one. On open, every held block is hashed again (a part file
 * edited or damaged while we were away loses those blocks instead of poisoning the result); every
 * block written is verified against the manifest first, so the finished file, renamed into place
 * once every block is held, hashes to the manifest's root.
 *
 * State file layout: MAGIC(8) version(1) hashesValid(1) manifestLength(u32le) manifest
 *                    hashes(count × 32) bitmap(ceil(count / 8))
 * Version 2, for a passphrase profile, is the same with the manifest and the hash list sealed
 * (src/files/sealed.ts; each region grows by SEAL_OVERHEAD); the bitmap stays plain, it says only
 * which blocks are held. A state file of the other version is rewritten on open (migration).
 */
import { promises as fs } from 'node:fs'
import { basename } from 'node:path'
import { plainSealer, SEAL_OVERHEAD, type Sealer } from './sealed.js'
import { blake2b256, rootOfBlockHashes, HASH_BYTES } from '../crypto/hash.js'
import { blockCount, decodeManifest, encodeManifest, type Manifest } from '../wire/files.js'
import { placeFinished } from './naming.js'

const MAGIC = Buffer.from('PSSTPART', 'latin1')
const PLAIN_VERSION = 1
const SEALED_VERSION = 2
const HEADER_BYTES = MAGIC.length + 1 + 1 + 4

export class PartFileError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PartFileError'
  }
}

export class PartFile {
  readonly manifest: Manifest
  readonly partPath: string
  readonly statePath: string
  readonly count: number
  #part: fs.FileHandle
  #state: fs.FileHandle
  #hashes: Buffer | null
  #bitmap: Buffer
  #hashesAt: number
  #bitmapAt: number
  /** Being written now: neither missing nor ready to be synced. */
  #writing = new Set<number>()
  /** Written but not yet synced: not held yet. */
  #unsynced = new Set<number>()
  #heldCount = 0
  /** Every block below this is held: where a search for missing blocks starts. */
  #heldBelow = 0
  /** Syncs in order: two never interleave their bitmap writes. */
  #syncs: Promise<unknown> = Promise.resolve()

  readonly #sealer: Sealer

  private constructor (manifest: Manifest, partPath: string, statePath: string, part: fs.FileHandle, state: fs.FileHandle, hashes: Buffer | null, bitmap: Buffer, hashesAt: number, sealer: Sealer) {
    this.#sealer = sealer
    this.manifest = manifest
    this.partPath = partPath
    this.statePath = statePath
    this.count = blockCount(manifest)
    this.#part = part
    this.#state = state
    this.#hashes = hashes
    this.#bitmap = bitmap
    this.#hashesAt = hashesAt
    this.#bitmapAt = hashesAt + this.count * HASH_BYTES + (sealer.encrypted ? SEAL_OVERHEAD : 0)
    for (let i = 0; i < this.count; i++) if (this.isHeld(i)) this.#heldCount++
  }

  /** A new, empty part (the part path usually comes from reserveDestination). */
  static async create (manifest: Manifest, partPath: string, statePath: string, sealer: Sealer = plainSealer): Promise<PartFile> {
    const count = blockCount(manifest)
    const bitmap = Buffer.alloc(Math.ceil(count / 8))
    const hashesAt = await writeState(statePath, manifest, null, bitmap, sealer)
    const part = await fs.open(partPath, 'r+').catch(async () => await fs.open(partPath, 'w+', 0o600))
    await part.truncate(manifest.size)
    const state = await fs.open(statePath, 'r+')
    return new PartFile(manifest, partPath, statePath, part, state, count === 0 ? Buffer.alloc(0) : null, bitmap, hashesAt, sealer)
  }

  /** Reopens after a restart; held blocks that no longer hash right are forgotten. */
  static async open (partPath: string, statePath: string, sealer: Sealer = plainSealer): Promise<PartFile> {
    const { manifest, hashes, bitmap, sealed, hashesAt } = readState(await fs.readFile(statePath), statePath, sealer)
    // Written under the other setting (before sealing, or before `psst passwd`): rewritten now.
    const at = sealed === sealer.encrypted ? hashesAt : await writeState(statePath, manifest, hashes, bitmap, sealer)
    const part = await fs.open(partPath, 'r+')
    const state = await fs.open(statePath, 'r+')
    const pf = new PartFile(manifest, partPath, statePath, part, state, hashes, bitmap, at, sealer)
    await pf.#recheckHeld()
    return pf
  }

  get hasHashes (): boolean { return this.#hashes !== null }
  get heldCount (): number { return this.#heldCount }
  get heldBytes (): number {
    if (this.count === 0) return 0
    const last = this.count - 1
    return this.#heldCount * this.manifest.blockSize - (this.isHeld(last) ? this.manifest.blockSize - this.blockLength(last) : 0)
  }

  get complete (): boolean { return this.#heldCount === this.count }

  isHeld (index: number): boolean {
    return (this.#bitmap[index >> 3] & (1 << (index & 7))) !== 0
  }

  blockLength (index: number): number {
    return Math.min(this.manifest.blockSize, this.manifest.size - index * this.manifest.blockSize)
  }

  /** Indices neither held nor being written nor waiting for a sync, in order. */
  missing (limit = Infinity): number[] {
    while (this.#heldBelow < this.count && this.isHeld(this.#heldBelow)) this.#heldBelow++
    const out: number[] = []
    for (let i = this.#heldBelow; i < this.count && out.length < limit; i++) {
      if (!this.isHeld(i) && !this.#unsynced.has(i) && !this.#writing.has(i)) out.push(i)
    }
    return out
  }

  /** Stores the hash list once it matches the root; false (nothing stored) when it does not. */
  async setHashes (hashes: Buffer): Promise<boolean> {
    if (hashes.byteLength !== this.count * HASH_BYTES || !rootOfBlockHashes(hashes).equals(this.manifest.root)) return false
    const region = this.#sealer.encrypted ? this.#sealer.sealRegion('state-hashes', stateId(this.statePath), hashes) : hashes
    await this.#state.write(region, 0, region.byteLength, this.#hashesAt)
    await this.#state.datasync()
    await this.#state.write(Buffer.from([1]), 0, 1, MAGIC.length + 1)
    await this.#state.datasync()
    this.#hashes = Buffer.from(hashes)
    return true
  }

  /** Hash check against the manifest: false for a block that does not belong there. */
  verify (index: number, data: Uint8Array): boolean {
    if (this.#hashes === null || !Number.isSafeInteger(index) || index < 0 || index >= this.count) return false
    if (data.byteLength !== this.blockLength(index)) return false
    return blake2b256(data).equals(this.#hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES))
  }

  /**
   * Writes a block in place; it counts as held after the next `sync()`. `verified`: the caller
   * has just checked it with verify() (hashing it twice cost a quarter of the receiver's CPU).
   */
  async writeBlock (index: number, data: Uint8Array, verified = false): Promise<boolean> {
    if (!verified && !this.verify(index, data)) return false
    if (this.isHeld(index) || this.#unsynced.has(index) || this.#writing.has(index)) return true
    this.#writing.add(index)
    try {
      await this.#part.write(data, 0, data.byteLength, index * this.manifest.blockSize)
      this.#unsynced.add(index)
    } finally {
      this.#writing.delete(index)
    }
    return true
  }

  get unsyncedCount (): number { return this.#unsynced.size }

  /**
   * Makes the blocks whose writes completed durable, then records them held; returns how many
   * became held. Writes may go on meanwhile (a block finished after the fdatasync began waits for
   * the next sync), so the network never waits for the disk's flush.
   */
  async sync (): Promise<number> {
    const run = this.#syncs.then(async () => await this.#syncNow())
    this.#syncs = run.catch(() => {})
    return await run
  }

  async #syncNow (): Promise<number> {
    if (this.#unsynced.size === 0) return 0
    const batch = [...this.#unsynced]
    await this.#part.datasync()
    let lo = Infinity
    let hi = -1
    for (const i of batch) {
      this.#bitmap[i >> 3] |= 1 << (i & 7)
      lo = Math.min(lo, i >> 3)
      hi = Math.max(hi, i >> 3)
    }
    await this.#state.write(this.#bitmap, lo, hi - lo + 1, this.#bitmapAt + lo)
    await this.#state.datasync()
    for (const i of batch) this.#unsynced.delete(i)
    this.#heldCount += batch.length
    return batch.length
  }

  /**
   * Moves the finished part to `dest` (or `dest (n)` if that name was taken meanwhile) and removes
   * the state file; returns the path. Every held block matched its hash: blocks held before this
   * open were hashed again at open(), and each block written since was verified in memory just
   * before its positional write, so reading the whole file back would only re-hash what the page
   * cache returns (measured: 10-20% of a 256 MiB transfer). A part file cut short meanwhile is
   * refused, and the missing blocks fetched again.
   */
  async finish (dest: string): Promise<string> {
    if (!this.complete) throw new PartFileError(`${this.partPath} is missing ${this.count - this.#heldCount} blocks`)
    const { size } = await this.#part.stat()
    if (size < this.manifest.size) {
      const first = Math.floor(size / this.manifest.blockSize)
      for (let i = first; i < this.count; i++) this.#forget(i)
      await this.#state.write(this.#bitmap, 0, this.#bitmap.byteLength, this.#bitmapAt)
      await this.#state.datasync()
      throw new PartFileError(`${this.partPath} was cut short to ${size} bytes; the missing blocks will be fetched again`)
    }
    await this.close()
    const path = await placeFinished(this.partPath, dest)
    await fs.unlink(this.statePath).catch(() => {})
    return path
  }

  /** Drops the part and its state (a cancelled or failed transfer). */
  async discard (): Promise<void> {
    await this.close()
    await fs.unlink(this.partPath).catch(() => {})
    await fs.unlink(this.statePath).catch(() => {})
  }

  async close (): Promise<void> {
    await this.#part.close().catch(() => {})
    await this.#state.close().catch(() => {})
  }

  #forget (index: number): void {
    if (!this.isHeld(index)) return
    this.#heldBelow = Math.min(this.#heldBelow, index)
    this.#bitmap[index >> 3] &= ~(1 << (index & 7))
    this.#heldCount--
  }

  /** Held blocks whose bytes on disk no longer hash to the manifest. */
  async #badHeldBlocks (): Promise<number[]> {
    const bad: number[] = []
    const buf = Buffer.allocUnsafe(this.manifest.blockSize)
    for (let i = 0; i < this.count; i++) {
      if (!this.isHeld(i)) continue
      const length = this.blockLength(i)
      const { bytesRead } = await this.#part.read(buf, 0, length, i * this.manifest.blockSize)
      if (bytesRead !== length || !this.verify(i, buf.subarray(0, length))) bad.push(i)
    }
    return bad
  }

  /** Forgets every held block whose bytes no longer match, and records that. */
  async #recheckHeld (): Promise<void> {
    if (this.#hashes === null) return
    const bad = await this.#badHeldBlocks()
    if (bad.length === 0) return
    for (const i of bad) this.#forget(i)
    await this.#state.write(this.#bitmap, 0, this.#bitmap.byteLength, this.#bitmapAt)
    await this.#state.datasync()
  }
}

async function syncPath (path: string): Promise<void> {
  const fh = await fs.open(path, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

const stateId = (statePath: string): string => basename(statePath).replace(/\.state$/, '')

/** Writes a whole state file (atomically) under the sealer's setting; returns where the hashes start. */
async function writeState (statePath: string, manifest: Manifest, hashes: Buffer | null, bitmap: Buffer, sealer: Sealer): Promise<number> {
  const id = stateId(statePath)
  const count = blockCount(manifest)
  const plainHashes = hashes ?? Buffer.alloc(count * HASH_BYTES)
  const m = sealer.encrypted ? sealer.sealRegion('state-manifest', id, encodeManifest(manifest)) : encodeManifest(manifest)
  const h = sealer.encrypted ? sealer.sealRegion('state-hashes', id, plainHashes) : plainHashes
  const header = Buffer.alloc(HEADER_BYTES)
  MAGIC.copy(header, 0)
  header[MAGIC.length] = sealer.encrypted ? SEALED_VERSION : PLAIN_VERSION
  header[MAGIC.length + 1] = hashes === null ? 0 : 1
  header.writeUInt32LE(m.byteLength, MAGIC.length + 2)
  const tmp = statePath + '.tmp'
  await fs.writeFile(tmp, Buffer.concat([header, m, h, bitmap]), { mode: 0o600 })
  await syncPath(tmp)
  await fs.rename(tmp, statePath)
  return HEADER_BYTES + m.byteLength
}

interface StateRead { manifest: Manifest, hashes: Buffer | null, bitmap: Buffer, sealed: boolean, hashesAt: number }

function readState (bytes: Buffer, statePath: string, sealer: Sealer): StateRead {
  const version = bytes[MAGIC.length]
  if (bytes.byteLength < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC) || (version !== PLAIN_VERSION && version !== SEALED_VERSION)) {
    throw new PartFileError(`${statePath} is not a psst transfer state file`)
  }
  const sealed = version === SEALED_VERSION
  const id = stateId(statePath)
  const open = (what: string, region: Buffer): Buffer | null => sealed ? sealer.openRegion(what, id, region) : region
  const hashesValid = bytes[MAGIC.length + 1] === 1
  const mLength = bytes.readUInt32LE(MAGIC.length + 2)
  const mBytes = open('state-manifest', bytes.subarray(HEADER_BYTES, HEADER_BYTES + mLength))
  const manifest = mBytes === null ? null : decodeManifest(mBytes)
  if (manifest === null) throw new PartFileError(`${statePath} holds no valid manifest${sealed ? ' (or not one sealed with this profile\'s key)' : ''}`)
  const count = blockCount(manifest)
  const hashesAt = HEADER_BYTES + mLength
  const bitmapAt = hashesAt + count * HASH_BYTES + (sealed ? SEAL_OVERHEAD : 0)
  if (bytes.byteLength !== bitmapAt + Math.ceil(count / 8)) throw new PartFileError(`${statePath} has the wrong length`)
  let hashes = hashesValid ? open('state-hashes', Buffer.from(bytes.subarray(hashesAt, bitmapAt))) : null
  if (hashes === null || !rootOfBlockHashes(hashes).equals(manifest.root)) hashes = count === 0 ? Buffer.alloc(0) : null
  const bitmap = hashes === null ? Buffer.alloc(Math.ceil(count / 8)) : Buffer.from(bytes.subarray(bitmapAt))
  return { manifest, hashes, bitmap, sealed, hashesAt }
}
