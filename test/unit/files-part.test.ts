import { describe, it, expect, beforeAll, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, openSync, writeSync, closeSync, truncateSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { manifestFor } from '../../src/files/source.js'
import { PartFile, PartFileError } from '../../src/files/part-file.js'
import { reserveDestination } from '../../src/files/naming.js'

const BLOCK = 1024
let dir: string
let data: Buffer
let hashes: Buffer
let manifest: Awaited<ReturnType<typeof manifestFor>>['manifest']

beforeAll(async () => { await cryptoReady() })
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'psst-part-'))
  data = randomBytes(BLOCK * 9 + 100)
  writeFileSync(join(dir, 'src.bin'), data)
  const made = await manifestFor(join(dir, 'src.bin'), { fileId: randomBytes(16), blockSize: BLOCK, name: 'got.bin' })
  manifest = made.manifest
  hashes = made.hashed.hashes
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const block = (i: number): Buffer => data.subarray(i * BLOCK, (i + 1) * BLOCK)

async function fresh (): Promise<{ part: PartFile, dest: string }> {
  const r = await reserveDestination(join(dir, 'dl'), manifest.name)
  return { part: await PartFile.create(manifest, r.part, join(dir, 'state')), dest: r.dest }
}

describe('PartFile', () => {
  it('refuses a hash list that does not match the root, and blocks that do not match their hash', async () => {
    const { part } = await fresh()
    expect(await part.setHashes(randomBytes(hashes.byteLength))).toBe(false)
    expect(part.hasHashes).toBe(false)
    expect(await part.writeBlock(0, block(0))).toBe(false) // no hashes yet: nothing can be verified
    expect(await part.setHashes(hashes)).toBe(true)
    expect(await part.writeBlock(1, block(0))).toBe(false)
    expect(await part.writeBlock(9, block(9).subarray(0, 99))).toBe(false)
    expect(await part.writeBlock(9, block(9))).toBe(true)
    await part.close()
  })

  it('a block counts as held only after sync; a reopen resumes from the held blocks', async () => {
    const { part, dest } = await fresh()
    await part.setHashes(hashes)
    for (const i of [0, 3, 4]) await part.writeBlock(i, block(i))
    await part.sync()
    await part.writeBlock(7, block(7)) // written, never synced: as after a kill -9
    expect(part.heldCount).toBe(3)
    await part.close()

    const again = await PartFile.open(part.partPath, part.statePath)
    expect(again.hasHashes).toBe(true)
    expect(again.missing()).toEqual([1, 2, 5, 6, 7, 8, 9])
    for (const i of again.missing()) await again.writeBlock(i, block(i))
    await again.sync()
    expect(again.complete).toBe(true)
    expect(again.heldBytes).toBe(data.byteLength)
    const path = await again.finish(dest)
    expect(path).toBe(dest)
    expect(readFileSync(path).equals(data)).toBe(true)
    expect(existsSync(part.partPath)).toBe(false)
    expect(existsSync(part.statePath)).toBe(false)
  })

  it('a held block damaged on disk is forgotten at reopen and fetched again', async () => {
    const { part } = await fresh()
    await part.setHashes(hashes)
    for (let i = 0; i < 10; i++) await part.writeBlock(i, block(i))
    await part.sync()
    await part.close()
    const fd = openSync(part.partPath, 'r+')
    writeSync(fd, Buffer.from('xx'), 0, 2, 2 * BLOCK + 5)
    closeSync(fd)
    const again = await PartFile.open(part.partPath, part.statePath)
    expect(again.missing()).toEqual([2])
    await again.close()
  })

  it('finish refuses a part file cut short meanwhile and fetches the lost blocks again', async () => {
    const { part, dest } = await fresh()
    await part.setHashes(hashes)
    for (let i = 0; i < 10; i++) await part.writeBlock(i, block(i))
    await part.sync()
    truncateSync(part.partPath, 5 * BLOCK + 3)
    await expect(part.finish(dest)).rejects.toBeInstanceOf(PartFileError)
    expect(existsSync(dest)).toBe(false)
    expect(part.missing()).toEqual([5, 6, 7, 8, 9])
    await part.close()
  })

  it('a block written unverified is checked; one the caller verified is not hashed again', async () => {
    const { part } = await fresh()
    await part.setHashes(hashes)
    expect(await part.writeBlock(3, block(4))).toBe(false)
    expect(await part.writeBlock(3, block(3), true)).toBe(true)
    await part.close()
  })

  it('a state file of another kind is refused with a clear error', async () => {
    writeFileSync(join(dir, 'junk'), 'not a state file')
    writeFileSync(join(dir, 'junk.part'), '')
    await expect(PartFile.open(join(dir, 'junk.part'), join(dir, 'junk'))).rejects.toThrow(/not a psst transfer state file/)
  })
})
