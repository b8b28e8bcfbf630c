/**
 * The sender's side of a file: hashing it for an offer, and reading blocks for a peer while
 * checking that the file is still the one offered. A file edited, truncated or replaced after the
 * offer fails the transfer with FileChangedError instead of sending a mix of two versions.
 */
import { promises as fs, type Stats } from 'node:fs'
import { basename } from 'node:path'
import { blake2b256, rootOfBlockHashes, HASH_BYTES } from '../crypto/hash.js'
import { MAX_BLOCKS, MAX_FILE_NAME_BYTES, blockCount, blockSizeFor, type FileKind, type Manifest } from '../wire/files.js'

/** What identifies the file on disk at offer time. */
export interface FileStamp { size: number, mtimeMs: number, ino: number }

export class FileChangedError extends Error {
  constructor (path: string) {
    super(`${path} changed on disk after it was offered; send it again to offer the new version`)
    this.name = 'FileChangedError'
  }
}

export class FileTooLargeError extends Error {
  constructor (path: string) {
    super(`${path} is too large to send (more than ${MAX_BLOCKS} blocks of 4 MiB)`)
    this.name = 'FileTooLargeError'
  }
}

export interface HashedFile { stamp: FileStamp, hashes: Buffer, root: Buffer, blockSize: number }

/** Reads the file once, hashing each block; the stamp is taken before and checked after. */
export async function hashFile (path: string, blockSize?: number): Promise<HashedFile> {
  const fh = await fs.open(path, 'r')
  try {
    const before = stampOf(await fh.stat())
    blockSize ??= blockSizeFor(before.size)
    const count = blockCount({ size: before.size, blockSize })
    if (count > MAX_BLOCKS) throw new FileTooLargeError(path)
    const hashes = Buffer.alloc(count * HASH_BYTES)
    const block = Buffer.allocUnsafe(blockSize)
    for (let i = 0; i < count; i++) {
      const length = Math.min(blockSize, before.size - i * blockSize)
      await readFully(fh, block, length, i * blockSize, path)
      blake2b256(block.subarray(0, length)).copy(hashes, i * HASH_BYTES)
    }
    if (!sameStamp(before, stampOf(await fs.stat(path)))) throw new FileChangedError(path)
    return { stamp: before, hashes, root: rootOfBlockHashes(hashes), blockSize }
  } finally {
    await fh.close()
  }
}

/** A manifest for `path`: the offered name is the base name cut to 255 bytes. */
export async function manifestFor (path: string, opts: { fileId: Buffer, kind?: FileKind, blockSize?: number, name?: string }): Promise<{ manifest: Manifest, hashed: HashedFile }> {
  const hashed = await hashFile(path, opts.blockSize)
  const name = cutName(opts.name ?? basename(path))
  return { manifest: { fileId: opts.fileId, kind: opts.kind ?? 'file', name, size: hashed.stamp.size, blockSize: hashed.blockSize, root: hashed.root }, hashed }
}

function cutName (name: string): string {
  let out = ''
  for (const ch of name) {
    if (Buffer.byteLength(out + ch) > MAX_FILE_NAME_BYTES) break
    out += ch
  }
  return out
}

export function stampOf (st: Stats): FileStamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }
}

export function sameStamp (a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino
}

/**
 * How often the sender looks at the path again (a stat per block was 7% of its CPU). A file edited
 * between two looks is still caught: each block is hashed against the offer before it is sent.
 */
const STAMP_CHECK_MS = 200

/** Blocks of an offered file, each checked against its hash (and, now and then, the stamp) before it is sent. */
export class FileSource {
  readonly path: string
  readonly manifest: Manifest
  readonly hashes: Buffer
  readonly stamp: FileStamp
  #fh: fs.FileHandle | null = null
  #stampCheckedAt = -Infinity

  constructor (path: string, manifest: Manifest, hashes: Buffer, stamp: FileStamp) {
    this.path = path
    this.manifest = manifest
    this.hashes = hashes
    this.stamp = stamp
  }

  get blockCount (): number { return blockCount(this.manifest) }

  /** The bytes of block `index`; FileChangedError when the file is not the one offered. */
  async readBlock (index: number): Promise<Buffer> {
    const fh = await this.#open()
    await this.#checkStamp(index)
    const { blockSize, size } = this.manifest
    const length = Math.min(blockSize, size - index * blockSize)
    const block = Buffer.allocUnsafe(length)
    await readFully(fh, block, length, index * blockSize, this.path)
    if (!blake2b256(block).equals(this.hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES))) throw new FileChangedError(this.path)
    return block
  }

  /** The path still names the offered file: checked on the first and last block, and every STAMP_CHECK_MS. */
  async #checkStamp (index: number): Promise<void> {
    const now = performance.now()
    if (now - this.#stampCheckedAt < STAMP_CHECK_MS && index !== 0 && index !== this.blockCount - 1) return
    if (!sameStamp(this.stamp, stampOf(await fs.stat(this.path)))) throw new FileChangedError(this.path)
    this.#stampCheckedAt = now
  }

  async close (): Promise<void> {
    const fh = this.#fh
    this.#fh = null
    await fh?.close().catch(() => {})
  }

  async #open (): Promise<fs.FileHandle> {
    if (this.#fh !== null) return this.#fh
    try {
      this.#fh = await fs.open(this.path, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileChangedError(this.path)
      throw err
    }
    return this.#fh
  }
}

async function readFully (fh: fs.FileHandle, into: Buffer, length: number, position: number, path: string): Promise<void> {
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(into, done, length - done, position + done)
    if (bytesRead === 0) throw new FileChangedError(path)
    done += bytesRead
  }
}
