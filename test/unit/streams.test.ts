import { describe, it, expect, vi, afterEach } from 'vitest'
import { SendStream } from '../../src/streams/send-stream.js'
import { ReceiveStream } from '../../src/streams/receive-stream.js'

/**
 * The stream objects (src/streams): generic over their entries (here a file's blocks, not chat
 * messages), and each change of what is stored asks for the record to be saved — nothing else
 * does, so a change that does not ask is a change that would be lost.
 */
interface Block { seq: number, offset: number }
const id = (b: number): Buffer => Buffer.alloc(16, b)

afterEach(() => { vi.useRealTimers() })

describe('SendStream', () => {
  it('reserves seqs, sends what is on disk, and a receipt settles waiters and returns the ranges to delete', async () => {
    const saves: boolean[] = []
    const s = new SendStream<Block>({ id: id(1), lastSeq: 0, ackedUpTo: 0 }, (defer) => saves.push(defer))
    expect(s.reserve(3)).toBe(1)
    expect(s.reserve(2)).toBe(4)
    expect(saves).toEqual([false, false])
    for (let seq = 1; seq <= 5; seq++) s.cache.add({ seq, offset: seq * 4096 })
    // Nothing may be sent before it is on disk.
    expect([s.due, s.cachedToSend(10).length]).toEqual([false, 0])
    s.persisted(5)
    expect(s.cachedToSend(10).map((b) => b.offset)).toEqual([4096, 8192, 12288, 16384, 20480])
    s.wrote(5)
    expect([s.stateOf(2), s.stateOf(5)]).toEqual(['sent', 'sent'])
    const waiting = s.waitDelivered(4, 10_000)
    expect(s.judge(6)).toBe('protocol-error')
    expect(s.judge(3)).toBe('advance')
    expect(s.acknowledge(3)).toEqual([1])
    expect(saves.at(-1)).toBe(true)
    expect(s.acknowledge(5)).toEqual([4])
    expect(await waiting).toBe(true)
    expect([s.ackedUpTo, s.stateOf(5), s.unacknowledged]).toEqual([5, 'delivered', false])
    expect(s.marks()).toEqual({ id: id(1), lastSeq: 5, ackedUpTo: 5 })
  })

  it('rolls back what never reached the disk, restarts in a new stream, and tells waiters no when closed', async () => {
    const saves: boolean[] = []
    const s = new SendStream<Block>({ id: id(1), lastSeq: 10, ackedUpTo: 8 }, (defer) => saves.push(defer))
    s.loadRanges([{ seq: 9, count: 2 }])
    s.reserve(5)
    s.persisted(15)
    s.rollBack(12)
    expect([s.lastSeq, s.persistedSeq]).toEqual([12, 12])
    s.relinked()
    expect(s.sentUpTo).toBe(8)
    s.restart(id(2))
    expect([s.id, s.sentUpTo, saves.length]).toEqual([id(2), 8, 2])
    const waiting = s.waitDelivered(12, 10_000)
    s.close()
    expect(await waiting).toBe(false)
    // The ranges kept after the rollback: 9–10 and 11–12 (the reserved 11–15 cut at 12).
    expect(s.acknowledge(12)).toEqual([9, 11])
  })

  it('runs one pump at a time and asks the running one to go again', () => {
    const s = new SendStream<Block>({ id: id(1), lastSeq: 0, ackedUpTo: 0 }, () => {})
    expect(s.beginPump()).toBe(true)
    expect(s.beginPump()).toBe(false)
    expect(s.pumpAgain()).toBe(true)
    expect(s.pumpAgain()).toBe(false)
    s.endPump()
    expect(s.beginPump()).toBe(true)
  })
})

describe('ReceiveStream', () => {
  it('takes the next seq, claims only what is on disk of the stream it counts, and adopts a new one at its base', () => {
    const saves: boolean[] = []
    const r = new ReceiveStream({ id: id(7), upTo: 4 }, (defer) => saves.push(defer))
    expect([r.judge(4), r.judge(6), r.judge(5)]).toEqual(['duplicate', 'out-of-order', 'store'])
    r.take(5)
    expect([r.upTo, r.stored, saves.length]).toEqual([5, 4, 1])
    const counted = r.id
    r.onStored(5, counted)
    expect(r.stored).toBe(5)
    expect(r.judgeHello(id(8), 2)).toBe('adopt')
    r.adopt(id(8), 2)
    // A write of the old stream landing after the switch does not count for the new one.
    r.onStored(5, counted)
    expect([r.id, r.upTo, r.stored, saves.length]).toEqual([id(8), 2, 2, 2])
    expect(r.judgeHello(id(8), 9)).toBe('skip-gap')
    r.skipTo(9)
    r.rollBack(3)
    expect([r.upTo, r.stored]).toEqual([3, 3])
    expect(r.marks()).toEqual({ id: id(8), upTo: 3 })
  })

  it('sends one delayed receipt per burst, or hands it over to ride with the next frame', () => {
    vi.useFakeTimers()
    const r = new ReceiveStream({ id: id(1), upTo: 0 }, () => {})
    let sent = 0
    r.scheduleReceipt(3, () => sent++)
    r.scheduleReceipt(3, () => sent++)
    vi.advanceTimersByTime(5)
    expect(sent).toBe(1)
    r.scheduleReceipt(3, () => sent++)
    expect(r.takeReceipt()).toBe(true)
    expect(r.takeReceipt()).toBe(false)
    vi.advanceTimersByTime(5)
    expect(sent).toBe(1)
  })
})
