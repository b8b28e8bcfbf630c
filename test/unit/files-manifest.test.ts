import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { blake2b256, rootOfBlockHashes } from '../../src/crypto/hash.js'
import { decodeManifest, encodeManifest, decodeFileFrame, encodeFileFrame, blockCount, blockSizeFor, MANIFEST_VERSION, MAX_BLOCKS, type Manifest } from '../../src/wire/files.js'
import { manifestFor, FileSource, FileChangedError } from '../../src/files/source.js'

let dir: string
beforeAll(async () => { await cryptoReady(); dir = mkdtempSync(join(tmpdir(), 'psst-manifest-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sample = (): Manifest => ({ fileId: randomBytes(16), kind: 'file', name: 'x.bin', size: 5000, blockSize: 1024, root: randomBytes(32) })

describe('manifest codec', () => {
  it('round-trips and starts with its version', () => {
    const m = sample()
    const bytes = encodeManifest(m)
    expect(bytes[0]).toBe(MANIFEST_VERSION)
    expect(decodeManifest(bytes)).toEqual(m)
  })

  it('refuses another version, trailing bytes, a long name, absurd block sizes', () => {
    const bytes = encodeManifest(sample())
    expect(decodeManifest(Buffer.concat([Buffer.from([2]), bytes.subarray(1)]))).toBeNull()
    expect(decodeManifest(Buffer.concat([bytes, Buffer.from([0])]))).toBeNull()
    expect(decodeManifest(encodeManifest({ ...sample(), name: 'n'.repeat(256) }))).toBeNull()
    expect(decodeManifest(encodeManifest({ ...sample(), blockSize: 1 }))).toBeNull()
    expect(decodeManifest(encodeManifest({ ...sample(), blockSize: 64 * 1024 * 1024 }))).toBeNull()
    for (let cut = 0; cut < bytes.byteLength; cut++) expect(decodeManifest(bytes.subarray(0, cut))).toBeNull()
  })

  it('block sizes grow with the file so the hash list stays small; a manifest with too many blocks is refused', () => {
    const GiB = 1024 ** 3
    expect(blockSizeFor(0)).toBe(64 * 1024)
    expect(blockSizeFor(4 * GiB)).toBe(64 * 1024)
    expect(blockSizeFor(4 * GiB + 1)).toBe(128 * 1024)
    expect(blockSizeFor(64 * GiB)).toBe(1024 * 1024)
    expect(blockSizeFor(10_000 * GiB)).toBe(4 * 1024 * 1024)
    expect(decodeManifest(encodeManifest({ ...sample(), blockSize: 1024, size: 1024 * MAX_BLOCKS }))).not.toBeNull()
    expect(decodeManifest(encodeManifest({ ...sample(), blockSize: 1024, size: 1024 * MAX_BLOCKS + 1 }))).toBeNull()
  })

  it('file frames round-trip; garbage decodes to null or unknown, never throws', () => {
    const fileId = randomBytes(16)
    const frames = [
      { type: 'request', fileId, ranges: [{ start: 3, count: 4 }] },
      { type: 'block', fileId, index: 7, data: randomBytes(100) },
      { type: 'hashes', fileId, start: 0, hashes: randomBytes(64) },
      { type: 'error', fileId, code: 'changed' }
    ] as const
    for (const f of frames) expect(decodeFileFrame(encodeFileFrame(f as never))).toEqual(f)
    for (let i = 0; i < 2000; i++) expect(() => decodeFileFrame(randomBytes(i % 64))).not.toThrow()
    expect(decodeFileFrame(Buffer.from([99, 1, 2]))).toEqual({ type: 'unknown', code: 99 })
  })
})

describe('hashing a file for an offer', () => {
  it('root is BLAKE2b over the per-block BLAKE2b hashes; the last block may be short', async () => {
    const data = randomBytes(2500)
    const path = join(dir, 'a.bin')
    writeFileSync(path, data)
    const { manifest, hashed } = await manifestFor(path, { fileId: randomBytes(16), blockSize: 1024 })
    expect(blockCount(manifest)).toBe(3)
    const hashes = Buffer.concat([0, 1, 2].map(i => blake2b256(data.subarray(i * 1024, (i + 1) * 1024))))
    expect(hashed.hashes).toEqual(hashes)
    expect(manifest.root).toEqual(rootOfBlockHashes(hashes))
    expect(manifest).toMatchObject({ name: 'a.bin', size: 2500, blockSize: 1024, kind: 'file' })
  })

  it('an empty file has no blocks', async () => {
    const path = join(dir, 'empty')
    writeFileSync(path, '')
    const { manifest, hashed } = await manifestFor(path, { fileId: randomBytes(16), blockSize: 1024 })
    expect(blockCount(manifest)).toBe(0)
    expect(hashed.hashes.byteLength).toBe(0)
  })

  it('the source refuses to serve a file that changed after the offer', async () => {
    const path = join(dir, 'b.bin')
    writeFileSync(path, randomBytes(4096))
    const { manifest, hashed } = await manifestFor(path, { fileId: randomBytes(16), blockSize: 1024 })
    const src = new FileSource(path, manifest, hashed.hashes, hashed.stamp)
    expect((await src.readBlock(1)).byteLength).toBe(1024)
    appendFileSync(path, 'more')
    // The path is looked at on the last block always, on others every 200 ms.
    await expect(src.readBlock(3)).rejects.toBeInstanceOf(FileChangedError)
    await new Promise((resolve) => setTimeout(resolve, 250))
    await expect(src.readBlock(1)).rejects.toThrow(/changed on disk after it was offered/)
    await src.close()
  })

  it('same size and mtime but other bytes: the block hash catches it', async () => {
    const path = join(dir, 'c.bin')
    writeFileSync(path, randomBytes(4096))
    const { manifest, hashed } = await manifestFor(path, { fileId: randomBytes(16), blockSize: 1024 })
    writeFileSync(path, randomBytes(4096))
    const src = new FileSource(path, manifest, hashed.hashes, { ...hashed.stamp, mtimeMs: (await import('node:fs')).statSync(path).mtimeMs })
    await expect(src.readBlock(0)).rejects.toBeInstanceOf(FileChangedError)
    await src.close()
  })
})
