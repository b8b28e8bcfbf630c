/**
 * psst-file/1 between two real hyperdht nodes on a private loopback network (no mocks): whole files
 * arrive intact, chat on another channel of the same stream is not stuck behind the file, a cut
 * connection resumes from the held blocks, corrupt blocks are refetched and a peer that keeps
 * sending them is dropped, and a file changed on the sender's disk fails the transfer.
 */
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest'
import HyperDHT from 'hyperdht'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, readdirSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DhtNode } from '../../src/net/dht-node.js'
import type { PeerStream } from '../../src/net/peer-stream.js'
import { createLoopbackNetwork, type LoopbackNetwork } from '../../src/net/testnet.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { FilePeer, WINDOW_BLOCKS, MAX_BAD_BLOCKS, type FetchEnd } from '../../src/files/peer.js'
import { FileSource, manifestFor } from '../../src/files/source.js'
import { PartFile } from '../../src/files/part-file.js'
import { reserveDestination } from '../../src/files/naming.js'
import type { Manifest } from '../../src/wire/files.js'
import { testHost } from '../helpers/psst.js'

const HOST = testHost(93)
const BLOCK = 64 * 1024

let net: LoopbackNetwork
let a: DhtNode
let b: DhtNode
let dir: string

beforeAll(async () => {
  await cryptoReady()
  net = await createLoopbackNetwork({ host: HOST })
  ;[a, b] = await Promise.all([DhtNode.create({ bootstrap: net.bootstrap }), DhtNode.create({ bootstrap: net.bootstrap })])
})
afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()])
  await net?.destroy()
})
const opened: Array<{ close (): Promise<void> }> = []
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'psst-files-')) })
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async (x) => await x.close()))
  rmSync(dir, { recursive: true, force: true })
})

/** A fresh connected pair: [sender's stream, receiver's stream]. */
async function pair (): Promise<[PeerStream, PeerStream]> {
  const kp = HyperDHT.keyPair()
  let accept!: (s: PeerStream) => void
  const incoming = new Promise<PeerStream>((resolve) => { accept = resolve })
  await a.listen(kp, () => false, (s) => accept(s))
  const out = b.connect(kp.publicKey, HyperDHT.keyPair())
  const inc = await incoming
  await out.opened
  return [inc, out]
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

async function offer (size: number, name = 'data.bin'): Promise<{ path: string, data: Buffer, manifest: Manifest, source: FileSource }> {
  const data = randomBytes(size)
  const path = join(dir, 'src-' + name.replace(/[^a-z.]/g, ''))
  writeFileSync(path, data)
  const { manifest, hashed } = await manifestFor(path, { fileId: randomBytes(16), blockSize: BLOCK, name })
  const source = new FileSource(path, manifest, hashed.hashes, hashed.stamp)
  opened.push(source)
  return { path, data, manifest, source }
}

interface Receiving { part: PartFile, dest: string, statePath: string }
async function receiving (manifest: Manifest): Promise<Receiving> {
  const r = await reserveDestination(join(dir, 'downloads'), manifest.name)
  const statePath = join(dir, manifest.fileId.toString('hex') + '.state')
  const part = await PartFile.create(manifest, r.part, statePath)
  opened.push(part)
  return { part, dest: r.dest, statePath }
}

function ended (peer: FilePeer, rx: Receiving, onProgress?: (bytes: number) => void): Promise<FetchEnd> {
  return new Promise((resolve) => peer.fetch(rx.part, rx.dest, { onEnd: resolve, onProgress }))
}

function serving (stream: PeerStream, source: FileSource | (() => FileSource | null), counters = { blocks: 0, failed: [] as string[], done: 0 }): { peer: FilePeer, counters: typeof counters } {
  const peer = new FilePeer(stream, {
    lookup: (id) => {
      const s = typeof source === 'function' ? source() : source
      return s !== null && s.manifest.fileId.equals(id) ? s : null
    },
    serve: { onSent: () => { counters.blocks++ }, onFailed: (_id, reason) => counters.failed.push(reason), onDone: () => { counters.done++ } }
  })
  return { peer, counters }
}

describe('psst-file/1 over a real hyperdht connection', () => {
  it('a 32 MiB random file arrives with the same SHA-256, and chat on psst/1 is not stuck behind it', async () => {
    const [sx, rx] = await pair()
    const file = await offer(32 * 1024 * 1024)
    const { counters } = serving(sx, file.source)
    // A second channel on the same stream, as chat rides beside the file on a friend's link.
    const chatAt = { sentAt: -1, arrivedAtBytes: -1 }
    let bytesNow = 0
    const chatIn = Protomux.from(sx).createChannel({ protocol: 'test-chat' })!
    chatIn.addMessage({ encoding: c.string, onmessage: () => { chatAt.arrivedAtBytes = bytesNow } })
    chatIn.open()
    const chatOut = Protomux.from(rx).createChannel({ protocol: 'test-chat' })!
    const say = chatOut.addMessage({ encoding: c.string })
    chatOut.open()

    const receiver = new FilePeer(rx, { lookup: () => null })
    const target = await receiving(file.manifest)
    const end = await ended(receiver, target, (bytes) => {
      bytesNow = bytes
      if (chatAt.sentAt === -1 && bytes >= file.data.byteLength / 4) { chatAt.sentAt = bytes; say.send('hi during the transfer') }
    })
    expect(end).toEqual({ state: 'complete', path: target.dest })
    expect(sha(readFileSync(target.dest))).toBe(sha(file.data))
    expect(readdirSync(join(dir, 'downloads'))).toEqual(['data.bin'])
    expect(existsSync(target.statePath)).toBe(false)
    expect(counters.blocks).toBe(file.manifest.size / BLOCK) // nothing sent twice
    // The sender heard the chat line while more than half of the file was still to come.
    expect(chatAt.arrivedAtBytes).toBeGreaterThan(0)
    expect(chatAt.arrivedAtBytes).toBeLessThan(file.data.byteLength * 3 / 4)
    sx.destroy()
  })

  it('the two sides open psst-file/1 at different moments (the first open is refused, the later one pairs)', async () => {
    const [sx, rx] = await pair()
    const file = await offer(1024 * 1024)
    serving(sx, file.source)
    // Traffic on another channel first, as on a friend's link where chat runs before files attach.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const target = await receiving(file.manifest)
    const end = await ended(new FilePeer(rx, { lookup: () => null }), target)
    expect(end.state).toBe('complete')
    expect(sha(readFileSync(target.dest))).toBe(sha(file.data))
    sx.destroy()
  })

  it('a connection cut mid-way resumes from the held blocks after a restart, re-sending at most one window', async () => {
    const file = await offer(16 * 1024 * 1024 + 1234)
    const blocks = Math.ceil(file.manifest.size / BLOCK)
    const counters = { blocks: 0, failed: [] as string[], done: 0 }
    const [sx1, rx1] = await pair()
    serving(sx1, file.source, counters)
    const receiver1 = new FilePeer(rx1, { lookup: () => null })
    const target = await receiving(file.manifest)
    const first = await ended(receiver1, target, (bytes) => { if (bytes >= file.data.byteLength * 0.4) rx1.destroy() })
    expect(first).toEqual({ state: 'paused' })
    await new Promise((resolve) => setTimeout(resolve, 100)) // the sync queued at pause
    await target.part.close()

    // As after a restart: the part and state files are all that is left.
    const reopened = await PartFile.open(target.part.partPath, target.statePath)
    opened.push(reopened)
    const held = reopened.heldCount
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThan(blocks)
    const sentBefore = counters.blocks
    const [sx2, rx2] = await pair()
    serving(sx2, file.source, counters)
    const receiver2 = new FilePeer(rx2, { lookup: () => null })
    const second = await ended(receiver2, { ...target, part: reopened })
    expect(second.state).toBe('complete')
    expect(sha(readFileSync(target.dest))).toBe(sha(file.data))
    expect(counters.blocks - sentBefore).toBe(blocks - held) // the second run sends only what was missing
    expect(counters.blocks).toBeLessThanOrEqual(blocks + WINDOW_BLOCKS)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(counters.done).toBe(1)
    sx2.destroy()
  })

  it('a corrupt block is refetched and the file still arrives intact', async () => {
    const [sx, rx] = await pair()
    const file = await offer(2 * 1024 * 1024)
    let corrupted = 0
    const read = file.source.readBlock.bind(file.source)
    file.source.readBlock = async (i) => {
      const block = Buffer.from(await read(i))
      if (i === 5 && corrupted++ === 0) block[100] ^= 0xff
      return block
    }
    const { counters } = serving(sx, file.source)
    const target = await receiving(file.manifest)
    const end = await ended(new FilePeer(rx, { lookup: () => null }), target)
    expect(end.state).toBe('complete')
    expect(corrupted).toBe(2)
    expect(counters.blocks).toBe(file.manifest.size / BLOCK + 1)
    expect(sha(readFileSync(target.dest))).toBe(sha(file.data))
    sx.destroy()
  })

  it('a peer that keeps sending corrupt blocks is dropped and nothing is placed', async () => {
    const [sx, rx] = await pair()
    const file = await offer(2 * 1024 * 1024)
    const read = file.source.readBlock.bind(file.source)
    file.source.readBlock = async (i) => {
      const block = Buffer.from(await read(i))
      if (i % 3 === 1) block[0] ^= 1
      return block
    }
    serving(sx, file.source)
    const target = await receiving(file.manifest)
    const closed = new Promise((resolve) => rx.on('close', resolve))
    const end = await ended(new FilePeer(rx, { lookup: () => null }), target)
    expect(end.state).toBe('failed')
    expect((end as { reason: string }).reason).toMatch(new RegExp(`sent ${MAX_BAD_BLOCKS} corrupt blocks`))
    await closed
    expect(existsSync(target.dest)).toBe(false)
  })

  it('a hash list that does not match the offer is refused', async () => {
    const [sx, rx] = await pair()
    const file = await offer(1024 * 1024)
    const liar = new FileSource(file.path, file.manifest, randomBytes(file.source.hashes.byteLength), file.source.stamp)
    opened.push(liar)
    serving(sx, liar)
    const target = await receiving(file.manifest)
    const end = await ended(new FilePeer(rx, { lookup: () => null }), target)
    expect(end).toEqual({ state: 'failed', reason: expect.stringMatching(/block list does not match the offer/) })
  })

  it('a file changed on the sender\'s disk fails the transfer on both sides with a clear error', async () => {
    const [sx, rx] = await pair()
    const file = await offer(8 * 1024 * 1024)
    const { counters } = serving(sx, file.source)
    const target = await receiving(file.manifest)
    let touched = false
    const end = await ended(new FilePeer(rx, { lookup: () => null }), target, (bytes) => {
      if (!touched && bytes > 1024 * 1024) { touched = true; appendFileSync(file.path, 'edit') }
    })
    expect(end).toEqual({ state: 'failed', reason: expect.stringMatching(/changed on the sender's disk/) })
    expect(counters.failed[0]).toMatch(/changed on disk after it was offered/)
    expect(existsSync(target.dest)).toBe(false)
    sx.destroy()
  })

  it('asking for a file that was never offered answers not-found', async () => {
    const [sx, rx] = await pair()
    const file = await offer(100 * 1024)
    serving(sx, () => null)
    const target = await receiving(file.manifest)
    const end = await ended(new FilePeer(rx, { lookup: () => null }), target)
    expect(end).toEqual({ state: 'failed', reason: 'the sender no longer offers this file' })
    sx.destroy()
  })
})
