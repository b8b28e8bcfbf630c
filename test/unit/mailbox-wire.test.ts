import { describe, it, expect } from 'vitest'
import {
  encodeMailboxFrame, decodeMailboxFrame, encodeInner, decodeInner, encodeSigned, decodeSigned, RelayRecords,
  MAX_ENVELOPE_BYTES, MAX_PAGE_ITEMS, MAX_DELETE_IDS, MAX_MAILBOX_FRAME_BYTES, type MailboxFrame
} from '../../src/wire/mailbox.js'
import { MAX_MESSAGE_BYTES } from '../../src/wire/limits.js'
import c from 'compact-encoding'

const owner = Buffer.alloc(32, 0x11)
const env = Buffer.alloc(300, 0x5a)

const SAMPLES: MailboxFrame[] = [
  { type: 'register', rid: 1, invite: Buffer.from('code') },
  { type: 'unregister', rid: 70_000 },
  { type: 'deposit', rid: 2, owner, envelope: env },
  { type: 'deposit', rid: 3, owner, envelope: Buffer.alloc(MAX_ENVELOPE_BYTES, 1) },
  { type: 'fetch', rid: 4, after: 0, limit: 256 },
  { type: 'delete', rid: 5, ids: [1, 2, 3, 2 ** 40] },
  { type: 'answer', rid: 6, code: 'ok', value: 12 },
  { type: 'answer', rid: 7, code: 'rate-limited', value: 2999 },
  { type: 'page', rid: 8, items: [{ id: 9, at: 1_700_000_000_000, envelope: env }, { id: 10, at: 0, envelope: Buffer.alloc(1) }], more: true },
  { type: 'page', rid: 9, items: [], more: false },
  { type: 'notify', held: 3 },
  { type: 'register', rid: 11, invite: Buffer.alloc(0) },
  { type: 'caps', rid: 12, keys: [Buffer.alloc(32, 1), Buffer.alloc(32, 2)] },
  { type: 'caps', rid: 13, keys: [] },
  { type: 'answer', rid: 14, code: 'refused', value: 0 },
  { type: 'answer', rid: 15, code: 'not-admitted', value: 0 }
]

describe('mailbox wire: frames', () => {
  for (const f of SAMPLES) {
    it(`round trip ${f.type} ${'rid' in f ? f.rid : ''}`, () => {
      const bytes = encodeMailboxFrame(f)
      expect(decodeMailboxFrame(bytes)).toEqual(f)
      expect(decodeMailboxFrame(Buffer.concat([bytes, Buffer.from([0])]))).toBeNull()
      for (let n = 1; n < Math.min(bytes.byteLength, 80); n++) expect(decodeMailboxFrame(bytes.subarray(0, n))).toBeNull()
    })
  }

  it('an unknown type is reported, not guessed; empty and oversized input is null', () => {
    expect(decodeMailboxFrame(Buffer.from([200, 1, 2]))).toEqual({ type: 'unknown', code: 200 })
    expect(decodeMailboxFrame(Buffer.from([0]))).toEqual({ type: 'unknown', code: 0 })
    expect(decodeMailboxFrame(Buffer.alloc(0))).toBeNull()
    expect(decodeMailboxFrame(Buffer.alloc(MAX_MAILBOX_FRAME_BYTES + 1, 3))).toBeNull()
  })

  it('bounds are checked before allocating: envelope, page items, delete ids, answer codes', () => {
    const big = encodeMailboxFrame({ type: 'deposit', rid: 1, owner, envelope: Buffer.alloc(MAX_ENVELOPE_BYTES + 1) })
    expect(decodeMailboxFrame(big)).toBeNull()
    // A page claiming 2^32 items and a delete claiming too many ids fail on the count alone.
    const hugePage = Buffer.concat([Buffer.from([7]), c.encode(c.uint, 1), c.encode(c.uint, 2 ** 32)])
    expect(decodeMailboxFrame(hugePage)).toBeNull()
    const ids = Array.from({ length: MAX_DELETE_IDS + 1 }, (_, i) => i)
    expect(decodeMailboxFrame(encodeMailboxFrame({ type: 'delete', rid: 1, ids }))).toBeNull()
    const items = Array.from({ length: MAX_PAGE_ITEMS + 1 }, (_, i) => ({ id: i, at: 0, envelope: Buffer.alloc(1) }))
    expect(decodeMailboxFrame(encodeMailboxFrame({ type: 'page', rid: 1, items, more: false }))).toBeNull()
    const answer = encodeMailboxFrame({ type: 'answer', rid: 1, code: 'ok', value: 0 })
    answer[2] = 99 // code index out of range
    expect(decodeMailboxFrame(answer)).toBeNull()
  })
})

describe('mailbox wire: envelope', () => {
  const inner = { from: Buffer.alloc(32, 2), stream: Buffer.alloc(16, 4), id: Buffer.alloc(16, 3), seq: 7, sentAt: 123, kind: 'action' as const, body: 'waves 👋' }

  it('inner round trip; bad UTF-8, over-long body and trailing bytes are refused', () => {
    const b = encodeInner(inner)
    expect(decodeInner(b)).toEqual(inner)
    expect(decodeInner(Buffer.concat([b, Buffer.from([1])]))).toBeNull()
    expect(decodeInner(encodeInner({ ...inner, body: 'x'.repeat(MAX_MESSAGE_BYTES) }))?.body.length).toBe(MAX_MESSAGE_BYTES)
    expect(decodeInner(encodeInner({ ...inner, body: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }))).toBeNull()
    const bad = encodeInner({ ...inner, body: 'ab' })
    bad[bad.byteLength - 1] = 0xff
    expect(decodeInner(bad)).toBeNull()
  })

  it('signed layout: version, 64-byte signature, inner; other versions and short input are null', () => {
    const sig = Buffer.alloc(64, 9)
    const b = encodeSigned(sig, Buffer.from('inner'))
    expect(decodeSigned(b)).toEqual({ version: 2, signature: sig, inner: Buffer.from('inner') })
    b[0] = 1
    expect(decodeSigned(b)?.version).toBe(1)
    b[0] = 3
    expect(decodeSigned(b)).toBeNull()
    expect(decodeSigned(Buffer.alloc(65, 1))).toBeNull()
  })
})

describe('mailbox wire: relay records', () => {
  it('round trips and refuses another version', () => {
    const held = { at: 5, envelope: env }
    expect(RelayRecords.held.decode(RelayRecords.held.encode(held))).toEqual(held)
    const index = { owner, at: 6, size: 300 }
    expect(RelayRecords.index.decode(RelayRecords.index.encode(index))).toEqual(index)
    const rec = { registeredAt: 1, lastSeen: 2 }
    const bytes = RelayRecords.owner.encode(rec)
    expect(RelayRecords.owner.decode(bytes)).toEqual(rec)
    bytes[0] = 9
    expect(RelayRecords.owner.decode(bytes)).toBeNull()
    expect(RelayRecords.relayKey.decode(Buffer.from([1, 2, 3]))).toBeNull()
  })
})
