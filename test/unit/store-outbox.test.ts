import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import { tempStore, removeTempStores } from '../helpers/stores.js'
import { ProfileStore, type StoreOp } from '../../src/storage/profile-store.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import type { MessageRecord } from '../../src/wire/records.js'

/**
 * The outbox keeps one entry per send call (first seq, first history index, count); resend and
 * mailbox deposits read messages back through it. Entries written before ranges (8 bytes, one
 * message each) must still read.
 */
const friend = Buffer.alloc(32, 7)
const openStore = tempStore

const msg = (seq: number): MessageRecord => ({ outgoing: true, id: Buffer.alloc(16, seq & 0xff), seq, sentAt: seq, kind: 'text', body: `m${seq}` })

/** Writes `count` messages as one send call would: history at `index`…, one outbox entry. */
async function sendCall (s: ProfileStore, seq: number, index: number, count: number): Promise<void> {
  const ops: StoreOp[] = [s.outboxOp(friend, { seq, index, count })]
  for (let i = 0; i < count; i++) ops.push(s.messageOp(friend, index + i, msg(seq + i)))
  await s.apply(ops)
}

beforeAll(async () => {
  process.env.PSST_KDF = 'interactive'
  await cryptoReady()
})

afterEach(removeTempStores)

describe.each([['plain', null], ['encrypted', 'correct horse']])('outbox ranges (%s profile)', (_label, passphrase) => {
  it('reads messages after any seq, across entries, with a limit', async () => {
    const s = await openStore(passphrase)
    await sendCall(s, 1, 0, 3) // seqs 1..3 at 0..2
    await s.apply([s.messageOp(friend, 3, { ...msg(99), outgoing: false })]) // an incoming line in between
    await sendCall(s, 4, 4, 5) // seqs 4..8 at 4..8
    await sendCall(s, 9, 9, 1)
    expect((await s.outbox(friend, 0)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect((await s.outbox(friend, 2)).map((r) => [r.seq, r.index, r.body])).toEqual([[3, 2, 'm3'], [4, 4, 'm4'], [5, 5, 'm5'], [6, 6, 'm6'], [7, 7, 'm7'], [8, 8, 'm8'], [9, 9, 'm9']])
    expect((await s.outbox(friend, 5, 2)).map((r) => r.seq)).toEqual([6, 7])
    expect((await s.outbox(friend, 9)).length).toBe(0)
    expect((await s.outboxRanges(friend)).map((r) => [r.seq, r.index, r.count])).toEqual([[1, 0, 3], [4, 4, 5], [9, 9, 1]])
    expect((await s.outboxRanges(friend, 3)).map((r) => r.seq)).toEqual([4, 9])
    await s.close()
  })

  it('a deleted entry takes its messages out of the outbox, history stays', async () => {
    const s = await openStore(passphrase)
    await sendCall(s, 1, 0, 3)
    await sendCall(s, 4, 3, 2)
    await s.apply([s.outboxDelOp(friend, 1)])
    expect((await s.outbox(friend, 0)).map((r) => r.seq)).toEqual([4, 5])
    expect((await s.history(friend, 10)).map((h) => h.seq)).toEqual([1, 2, 3, 4, 5])
    expect(s.corrupt).toBe(0)
    await s.close()
  })
})

describe('outbox entries from before ranges', () => {
  it('an 8-byte entry (history index only) stands for one message', async () => {
    const s = await openStore(null)
    const old = (seq: number, index: number): { type: 'put', sub: 'outbox', key: Buffer, value: Buffer } => {
      const key = Buffer.alloc(40)
      friend.copy(key)
      key.writeUInt32BE(seq, 36)
      const value = Buffer.alloc(8)
      value.writeUInt32BE(index, 4)
      return { type: 'put', sub: 'outbox', key, value }
    }
    await s.apply([old(1, 0), old(2, 1), s.messageOp(friend, 0, msg(1)), s.messageOp(friend, 1, msg(2))])
    await sendCall(s, 3, 2, 2)
    expect((await s.outbox(friend, 0)).map((r) => r.seq)).toEqual([1, 2, 3, 4])
    expect((await s.outbox(friend, 1)).map((r) => r.seq)).toEqual([2, 3, 4])
    expect((await s.outboxRanges(friend)).map((r) => r.count)).toEqual([1, 1, 2])
    await s.close()
  })
})
