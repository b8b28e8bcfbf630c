import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import { tempStore, removeTempStores } from '../helpers/stores.js'
import { ProfileStore, type StoreOp } from '../../src/storage/profile-store.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { Records, encodeSegment, decodeSegment, SEGMENT_TAG, type MessageRecord } from '../../src/wire/records.js'

/**
 * History is stored in segments: a batch's records at consecutive indices of one friend are
 * one LevelDB value. Reads (history pages, the outbox) must see exactly the messages, wherever
 * a page or an outbox range starts or ends inside a segment; lone records (and everything
 * stored before segments) still read.
 */
const alice = Buffer.alloc(32, 1)
const bob = Buffer.alloc(32, 2)

const openStore = tempStore

const msg = (seq: number, outgoing = true): MessageRecord => ({ outgoing, id: Buffer.alloc(16, seq & 0xff), seq, sentAt: seq, kind: 'text', body: `m${seq}` })
const seqs = (list: Array<{ seq: number }>): number[] => list.map((m) => m.seq)
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

beforeAll(async () => {
  process.env.PSST_KDF = 'interactive'
  await cryptoReady()
})

afterEach(removeTempStores)

describe('segment codec', () => {
  const a = Records.message.encode(msg(1))
  const b = Records.message.encode(msg(2, false))

  it('a lone record is stored as itself; runs round-trip', () => {
    expect(encodeSegment([a]).equals(a)).toBe(true)
    expect(decodeSegment(a)).toEqual([a])
    const seg = encodeSegment([a, b, a])
    expect(seg[0]).toBe(SEGMENT_TAG)
    expect(decodeSegment(seg)?.map((p) => Buffer.from(p))).toEqual([a, b, a])
  })

  it('refuses what does not parse exactly', () => {
    const seg = encodeSegment([a, b])
    expect(decodeSegment(Buffer.alloc(0))).toBeNull()
    expect(decodeSegment(seg.subarray(0, seg.byteLength - 1))).toBeNull()
    expect(decodeSegment(Buffer.concat([seg, Buffer.from([0])]))).toBeNull()
    const lying = Buffer.from(seg)
    lying.writeUInt32BE(1_000_000, 1)
    expect(decodeSegment(lying)).toBeNull()
    const one = Buffer.from(seg)
    one.writeUInt32BE(1, 1)
    expect(decodeSegment(one)).toBeNull()
    expect(decodeSegment(Buffer.from([9, 1, 2]))).toBeNull()
  })
})

describe.each([['plain', null], ['encrypted', 'correct horse']])('history in segments (%s profile)', (_label, passphrase) => {
  it('a batch of consecutive records is one LevelDB entry; pages read across and inside segments', async () => {
    const s = await openStore(passphrase)
    const batch: StoreOp[] = range(0, 9).map((i) => s.messageOp(alice, i, msg(i + 1)))
    expect(s.pack(batch).length).toBe(1)
    await s.apply(batch)
    await s.apply([s.messageOp(alice, 10, msg(11))]) // a lone record
    await s.apply(range(11, 15).map((i) => s.messageOp(alice, i, msg(i + 1))))
    expect(seqs(await s.history(alice, 100))).toEqual(range(1, 16))
    expect(seqs(await s.history(alice, 3))).toEqual([14, 15, 16])
    expect(seqs(await s.history(alice, 4, 13))).toEqual([10, 11, 12, 13]) // before index 13: inside the third segment
    expect(seqs(await s.history(alice, 2, 5))).toEqual([4, 5]) // inside the first
    expect(seqs(await s.history(alice, 100, 1))).toEqual([1])
    expect(seqs(await s.history(alice, 0))).toEqual([])
    expect((await s.history(alice, 2, 12)).map((m) => m.index)).toEqual([10, 11])
    expect(s.corrupt).toBe(0)
    await s.close()
  })

  it('a long run is cut into segments of at most 256 records', async () => {
    const s = await openStore(passphrase)
    const batch: StoreOp[] = range(0, 599).map((i) => s.messageOp(alice, i, msg(i + 1)))
    expect(s.pack(batch).length).toBe(3)
    await s.apply(batch)
    expect(seqs(await s.history(alice, 1000))).toEqual(range(1, 600))
    expect(seqs(await s.history(alice, 3, 257))).toEqual([255, 256, 257])
    await s.close()
  })

  it('runs break at a gap in indices and per friend; friends stay apart', async () => {
    const s = await openStore(passphrase)
    const batch: StoreOp[] = [
      s.messageOp(alice, 0, msg(1)), s.messageOp(bob, 0, msg(1, false)), s.messageOp(alice, 1, msg(2)),
      s.messageOp(bob, 1, msg(2, false)), s.messageOp(alice, 5, msg(3)), s.messageOp(alice, 6, msg(4))
    ]
    expect(s.pack(batch).length).toBe(3) // alice 0–1, alice 5–6, bob 0–1
    await s.apply(batch)
    expect((await s.history(alice, 10)).map((m) => [m.seq, m.index])).toEqual([[1, 0], [2, 1], [3, 5], [4, 6]])
    expect((await s.history(bob, 10)).map((m) => [m.seq, m.outgoing])).toEqual([[1, false], [2, false]])
    await s.close()
  })

  it('the outbox reads its messages from inside segments, and survives a reopen', async () => {
    const s = await openStore(passphrase)
    // Seqs 1–6 at indices 0–5 with one incoming line at 3 in the same batch: two outbox entries.
    await s.apply([
      s.outboxOp(alice, { seq: 1, index: 0, count: 3 }), ...range(0, 2).map((i) => s.messageOp(alice, i, msg(i + 1))),
      s.messageOp(alice, 3, msg(50, false)),
      s.outboxOp(alice, { seq: 4, index: 4, count: 3 }), ...range(4, 6).map((i) => s.messageOp(alice, i, msg(i)))
    ])
    expect((await s.outbox(alice, 0)).map((r) => [r.seq, r.index])).toEqual([[1, 0], [2, 1], [3, 2], [4, 4], [5, 5], [6, 6]])
    expect(seqs(await s.outbox(alice, 2, 2))).toEqual([3, 4])
    expect(seqs(await s.outbox(alice, 4))).toEqual([5, 6])
    await s.close()
    const again = await ProfileStore.open(s.home, passphrase)
    expect(seqs(await again.outbox(alice, 1))).toEqual([2, 3, 4, 5, 6])
    expect(seqs(await again.history(alice, 100))).toEqual([1, 2, 3, 50, 4, 5, 6])
    expect(again.corrupt).toBe(0)
    await again.close()
  })
})
