import { describe, it, expect } from 'vitest'
import { OutboxCache } from '../../src/streams/outbox-cache.js'
import type { OutboxRecord } from '../../src/wire/records.js'

const rec = (seq: number): OutboxRecord => ({ id: Buffer.alloc(16), seq, sentAt: 0, kind: 'text', body: `m${seq}`, index: seq })

describe('outbox cache', () => {
  it('keeps a run of consecutive seqs, drops acknowledged ones from the front in order', () => {
    const c = new OutboxCache(100)
    for (let s = 5; s <= 14; s++) expect(c.add(rec(s))).toBe(true)
    expect(c.get(4)).toBeUndefined()
    expect(c.get(9)?.body).toBe('m9')
    expect(c.get(15)).toBeUndefined()
    const dropped: number[] = []
    c.dropUpTo(8, (r) => dropped.push(r.seq))
    expect(dropped).toEqual([5, 6, 7, 8])
    expect(c.size).toBe(6)
    expect(c.get(8)).toBeUndefined()
    expect(c.get(9)?.seq).toBe(9)
    c.dropUpTo(3)
    expect(c.size).toBe(6)
  })

  it('refuses a gap and anything past the limit; restarts once drained', () => {
    const c = new OutboxCache(3)
    expect(c.add(rec(1))).toBe(true)
    expect(c.add(rec(3))).toBe(false)
    expect(c.add(rec(2))).toBe(true)
    expect(c.add(rec(3))).toBe(true)
    expect(c.add(rec(4))).toBe(false)
    expect(c.add(rec(5))).toBe(false)
    c.dropUpTo(3)
    expect(c.size).toBe(0)
    expect(c.add(rec(6))).toBe(true)
    expect(c.get(6)?.seq).toBe(6)
    expect(c.get(4)).toBeUndefined()
  })

  it('stays small over a long run (compacts its array)', () => {
    const c = new OutboxCache(10_000)
    for (let s = 1; s <= 100_000; s++) {
      c.add(rec(s))
      if (s % 500 === 0) c.dropUpTo(s - 10)
    }
    expect(c.size).toBe(10)
    expect(c.get(99_991)?.seq).toBe(99_991)
    expect(c.get(99_990)).toBeUndefined()
  })
})
