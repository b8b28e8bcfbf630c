import { describe, it, expect } from 'vitest'
import { judgeIncoming, judgeReceipt, judgeTheirStream, judgeMark, deliveryState, SEQ_WINDOW } from '../../src/streams/decide.js'
import { redialDelay } from '../../src/net/backoff.js'

describe('judgeIncoming (receiver: recvUpTo = expected)', () => {
  it('the next seq is stored, earlier ones are duplicates, later ones wait for the resend', () => {
    expect(judgeIncoming(1, 0)).toBe('store')
    expect(judgeIncoming(6, 5)).toBe('store')
    expect(judgeIncoming(5, 5)).toBe('duplicate')
    expect(judgeIncoming(1, 5)).toBe('duplicate')
    expect(judgeIncoming(7, 5)).toBe('out-of-order')
    expect(judgeIncoming(5 + 1_000_000, 5)).toBe('out-of-order')
    expect(judgeIncoming(5 + SEQ_WINDOW + 1, 5)).toBe('out-of-order')
  })

  it('nonsense seqs are never stored', () => {
    for (const seq of [0, -1, -0, NaN, Infinity, -Infinity, 1.5, 2 ** 53, 2 ** 64, Number.MAX_VALUE]) {
      expect(judgeIncoming(seq, 0), String(seq)).toBe('out-of-order')
    }
  })
})

describe('judgeReceipt (sender: ackedUpTo, lastSentSeq)', () => {
  it('advance, stale, and an over-ack is a protocol error', () => {
    expect(judgeReceipt(3, 0, 5)).toBe('advance')
    expect(judgeReceipt(5, 4, 5)).toBe('advance')
    expect(judgeReceipt(4, 4, 5)).toBe('stale')
    expect(judgeReceipt(0, 0, 0)).toBe('stale')
    expect(judgeReceipt(6, 4, 5)).toBe('protocol-error')
    expect(judgeReceipt(1, 0, 0)).toBe('protocol-error')
  })

  it('non-integers are protocol errors', () => {
    for (const upTo of [NaN, Infinity, 2 ** 53, 1.5]) expect(judgeReceipt(upTo, 0, 2 ** 60), String(upTo)).toBe('protocol-error')
  })
})

describe('deliveryState and redialDelay', () => {
  it('queued → sent → delivered', () => {
    expect(deliveryState(3, 1, 2)).toBe('queued')
    expect(deliveryState(2, 1, 2)).toBe('sent')
    expect(deliveryState(1, 1, 2)).toBe('delivered')
  })

  it('backoff doubles from ~1 s, jittered ×[0.5, 1], capped at 60 s', () => {
    expect(redialDelay(0, 1)).toBe(1000)
    expect(redialDelay(0, 0)).toBe(500)
    expect(redialDelay(3, 1)).toBe(8000)
    for (let a = 0; a < 100; a++) {
      const d = redialDelay(a, Math.random())
      expect(d).toBeGreaterThanOrEqual(500)
      expect(d).toBeLessThanOrEqual(60_000)
    }
    expect(redialDelay(1000, 1)).toBe(60_000)
  })
})

describe('streams: a hello names the streams it speaks of', () => {
  const S = Buffer.alloc(16, 1)
  const T = Buffer.alloc(16, 2)

  it('their stream: the one I count goes on; another is counted from its base; a base above my count skips the gap', () => {
    expect(judgeTheirStream(S, 5, S, 9)).toBe('same')
    expect(judgeTheirStream(S, 9, S, 9)).toBe('same')
    expect(judgeTheirStream(T, 0, S, 9)).toBe('adopt')
    expect(judgeTheirStream(T, 40, S, 9)).toBe('adopt')
    expect(judgeTheirStream(S, 12, S, 9)).toBe('skip-gap')
  })

  it('their mark of my stream: another stream never counts; beyond what I sent means my state was rolled back', () => {
    expect(judgeMark(T, 3, S, 0, 10)).toBe('other-stream')
    expect(judgeMark(T, 30, S, 0, 10)).toBe('other-stream')
    expect(judgeMark(S, 3, S, 0, 10)).toBe('advance')
    expect(judgeMark(S, 3, S, 3, 10)).toBe('stale')
    expect(judgeMark(S, 1, S, 3, 10)).toBe('stale')
    expect(judgeMark(S, 11, S, 3, 10)).toBe('rolled-back')
    expect(judgeMark(S, Number.NaN, S, 3, 10)).toBe('rolled-back')
  })
})
