import { describe, it, expect } from 'vitest'
import { encodeFrame, decodeFrame, type Frame } from '../../src/wire/frames.js'
import { MAX_MESSAGE_BYTES, MAX_NAME_BYTES, MAX_STATUS_MESSAGE_BYTES, MAX_REQUEST_MESSAGE_BYTES, MAX_RECEIPT_IDS, MAX_FRAME_BYTES } from '../../src/wire/limits.js'

const id16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const uintLength = (n: number): number => n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffff_ffff ? 5 : 9

/** One valid frame of every type, with non-trivial values. */
export const SAMPLE_FRAMES: Frame[] = [
  { type: 'hello', version: 1, name: 'alice', status: 'away', statusMessage: 'lunch ☕', recvUpTo: 70_000, mailbox: Buffer.alloc(32, 7), stream: Buffer.alloc(16, 1), base: 3, recvStream: Buffer.alloc(16, 2) },
  { type: 'hello', version: 1, name: '', status: 'online', statusMessage: '', recvUpTo: 0, mailbox: null, stream: Buffer.alloc(16), base: 0, recvStream: Buffer.alloc(16) },
  { type: 'friendRequest', nospam: Buffer.from('deadbeef', 'hex'), message: 'hi, it is me', name: 'bob' },
  { type: 'friendAccept', name: 'carol' },
  { type: 'friendDecline' },
  { type: 'presence', name: 'dave', status: 'busy', statusMessage: 'in a meeting' },
  { type: 'message', id: id16, seq: 42, sentAt: 1_700_000_000_000, kind: 'text', body: 'hello 🌍 مرحبا' },
  { type: 'message', id: id16, seq: 1, sentAt: 0, kind: 'action', body: 'waves' },
  { type: 'receipt', upTo: 12, stream: Buffer.alloc(16, 0xaa) },
  { type: 'receipt', upTo: 0, stream: Buffer.alloc(16) },
  { type: 'typing', typing: true },
  { type: 'typing', typing: false },
  { type: 'ping', nonce: 123_456 },
  { type: 'pong', nonce: 0 }
]

describe('wire frames: round trip', () => {
  for (const frame of SAMPLE_FRAMES) {
    it(`${frame.type} ${JSON.stringify(frame).slice(0, 60)}`, () => {
      const bytes = encodeFrame(frame)
      expect(decodeFrame(bytes)).toEqual(frame)
      // A frame has one reading: any trailing byte makes it malformed.
      expect(decodeFrame(Buffer.concat([bytes, Buffer.from([0])]))).toBeNull()
      // Every proper prefix that still has a body is malformed (or, for the empty body, is the type
      // only), except a hello or receipt cut just before its stream fields: that is version 1's layout.
      const v1 = frame.type === 'hello' ? { ...frame, stream: Buffer.alloc(16), base: 0, recvStream: Buffer.alloc(16) } : frame.type === 'receipt' ? { ...frame, stream: Buffer.alloc(16) } : null
      const v1Length = frame.type === 'hello' ? bytes.byteLength - 32 - (bytes.byteLength > 0 ? uintLength(frame.base) : 0) : bytes.byteLength - 16
      for (let n = 1; n < bytes.byteLength; n++) {
        if (v1 !== null && n === v1Length) expect(decodeFrame(bytes.subarray(0, n))).toEqual(v1)
        else expect(decodeFrame(bytes.subarray(0, n))).toBeNull()
      }
    })
  }

  it('decodes from a Uint8Array view at an offset inside a larger buffer', () => {
    const bytes = encodeFrame(SAMPLE_FRAMES[6])
    const big = new Uint8Array(bytes.byteLength + 10)
    big.set(bytes, 5)
    expect(decodeFrame(big.subarray(5, 5 + bytes.byteLength))).toEqual(SAMPLE_FRAMES[6])
  })
})

describe('wire frames: exact bytes (written by hand)', () => {
  it('ping nonce 5 and 300 (compact uint: 1 byte ≤ 0xfc, else 0xfd + uint16 LE)', () => {
    expect(hex(encodeFrame({ type: 'ping', nonce: 5 }))).toBe('0905')
    expect(hex(encodeFrame({ type: 'pong', nonce: 300 }))).toBe('0afd2c01')
    expect(decodeFrame(Buffer.from('0afd2c01', 'hex'))).toEqual({ type: 'pong', nonce: 300 })
  })

  it('typing, friendDecline, friendAccept', () => {
    expect(hex(encodeFrame({ type: 'typing', typing: true }))).toBe('0801')
    expect(hex(encodeFrame({ type: 'friendDecline' }))).toBe('04')
    expect(decodeFrame(Buffer.from([4]))).toEqual({ type: 'friendDecline' })
    expect(hex(encodeFrame({ type: 'friendAccept', name: 'bob' }))).toBe('0303626f62')
  })

  it('friendRequest: nospam(4) | message | name', () => {
    expect(hex(encodeFrame({ type: 'friendRequest', nospam: Buffer.from('deadbeef', 'hex'), message: '', name: 'x' }))).toBe('02deadbeef000178')
  })

  it('message: type 6 | id(16) | seq | sentAt | kind | body', () => {
    const bytes = encodeFrame({ type: 'message', id: id16, seq: 1, sentAt: 1000, kind: 'action', body: 'hi' })
    expect(hex(bytes)).toBe('06' + '000102030405060708090a0b0c0d0e0f' + '01' + 'fde803' + '01' + '026869')
  })

  it('receipt: upTo | ids (retired, empty) | stream', () => {
    const bytes = encodeFrame({ type: 'receipt', upTo: 7, stream: Buffer.alloc(16, 0xaa) })
    expect(hex(bytes)).toBe('0707' + '00' + 'aa'.repeat(16))
  })

  it('a receipt of protocol version 1 (ids, no stream) still reads: the ids are skipped, the stream is all zeros', () => {
    expect(decodeFrame(Buffer.from('070701' + 'aa'.repeat(16), 'hex'))).toEqual({ type: 'receipt', upTo: 7, stream: Buffer.alloc(16) })
  })

  it('hello: version | name | status | statusMessage | caps (retired, 0) | recvUpTo | mailbox? | stream | base | recvStream', () => {
    const bytes = encodeFrame({ type: 'hello', version: 2, name: 'a', status: 'busy', statusMessage: '', recvUpTo: 70_000, mailbox: null, stream: Buffer.alloc(16, 1), base: 5, recvStream: Buffer.alloc(16, 2) })
    expect(hex(bytes)).toBe('01' + '02' + '0161' + '02' + '00' + '00' + 'fe70110100' + '00' + '01'.repeat(16) + '05' + '02'.repeat(16))
  })

  it('a hello of protocol version 1 (no stream fields) reads as the all-zero stream at base 0', () => {
    const v1 = Buffer.from('01' + '01' + '0161' + '02' + '00' + '03' + 'fe70110100' + '00', 'hex')
    expect(decodeFrame(v1)).toEqual({ type: 'hello', version: 1, name: 'a', status: 'busy', statusMessage: '', recvUpTo: 70_000, mailbox: null, stream: Buffer.alloc(16), base: 0, recvStream: Buffer.alloc(16) })
  })

  it('presence: name | status | statusMessage', () => {
    expect(hex(encodeFrame({ type: 'presence', name: '', status: 'away', statusMessage: 'x' }))).toBe('0500010178')
  })
})

function messageFrame (body: string | Buffer): Buffer {
  const text = typeof body === 'string' ? body : 'x'
  const frame = encodeFrame({ type: 'message', id: id16, seq: 1, sentAt: 1, kind: 'text', body: text })
  if (typeof body === 'string') return frame
  // Replace the body bytes: header is type(1) id(16) seq(1) sentAt(1) kind(1), then length + bytes.
  const head = frame.subarray(0, 20)
  const len = body.byteLength <= 0xfc ? Buffer.from([body.byteLength]) : Buffer.from([0xfd, body.byteLength & 0xff, body.byteLength >> 8])
  return Buffer.concat([head, len, body])
}

describe('wire frames: limits and bad input', () => {
  it('a message body of exactly 64 KiB decodes; one byte more does not', () => {
    const max = 'é'.repeat(MAX_MESSAGE_BYTES / 2) // two bytes each
    expect(Buffer.byteLength(max)).toBe(MAX_MESSAGE_BYTES)
    const ok = encodeFrame({ type: 'message', id: id16, seq: 9, sentAt: 9, kind: 'text', body: max })
    expect(ok.byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    const decoded = decodeFrame(ok)
    expect(decoded).toMatchObject({ type: 'message', body: max })
    const over = encodeFrame({ type: 'message', id: id16, seq: 9, sentAt: 9, kind: 'text', body: max + 'a' })
    expect(decodeFrame(over)).toBeNull()
  })

  it('names, status messages, request texts and receipt id lists are bounded', () => {
    const at = (n: number): string => 'n'.repeat(n)
    expect(decodeFrame(encodeFrame({ type: 'friendAccept', name: at(MAX_NAME_BYTES) }))).not.toBeNull()
    expect(decodeFrame(encodeFrame({ type: 'friendAccept', name: at(MAX_NAME_BYTES + 1) }))).toBeNull()
    const p = (sm: string): Frame => ({ type: 'presence', name: '', status: 'online', statusMessage: sm })
    expect(decodeFrame(encodeFrame(p(at(MAX_STATUS_MESSAGE_BYTES))))).not.toBeNull()
    expect(decodeFrame(encodeFrame(p(at(MAX_STATUS_MESSAGE_BYTES + 1))))).toBeNull()
    const r = (m: string): Frame => ({ type: 'friendRequest', nospam: Buffer.alloc(4), message: m, name: '' })
    expect(decodeFrame(encodeFrame(r(at(MAX_REQUEST_MESSAGE_BYTES))))).not.toBeNull()
    expect(decodeFrame(encodeFrame(r(at(MAX_REQUEST_MESSAGE_BYTES + 1))))).toBeNull()
    // A version 1 receipt's id list is still read (and skipped) within its bound.
    const ids = (n: number): Buffer => Buffer.concat([Buffer.from([7, 1, 0xfd, n & 0xff, n >> 8]), Buffer.alloc(16 * n, 0xaa)])
    expect(decodeFrame(ids(MAX_RECEIPT_IDS))).not.toBeNull()
    expect(decodeFrame(ids(MAX_RECEIPT_IDS + 1))).toBeNull()
  })

  it('an announced length far beyond the buffer fails without allocating', () => {
    // string length 2^32-1 announced, 3 bytes present
    expect(decodeFrame(Buffer.from('0302' + 'feffffffff' + '616263', 'hex'))).toBeNull()
    expect(decodeFrame(Buffer.from('03ffffffffffffffffff', 'hex'))).toBeNull()
    // receipt announcing 2^32-1 ids
    expect(decodeFrame(Buffer.from('0701feffffffff', 'hex'))).toBeNull()
  })

  it('a frame above MAX_FRAME_BYTES is refused whatever it holds', () => {
    const big = Buffer.alloc(MAX_FRAME_BYTES + 1)
    big[0] = 4
    expect(decodeFrame(big)).toBeNull()
    big[0] = 200
    expect(decodeFrame(big)).toBeNull()
  })

  it('invalid UTF-8 in a body or name → null', () => {
    for (const bad of ['ff', 'c080', 'eda080', 'e282', 'f4908080', '61ff62']) {
      expect(decodeFrame(messageFrame(Buffer.from(bad, 'hex'))), bad).toBeNull()
    }
    expect(decodeFrame(Buffer.from('0302c3', 'hex'))).toBeNull()
    expect(decodeFrame(messageFrame(Buffer.from('c3a9', 'hex')))).toMatchObject({ body: 'é' })
  })

  it('a body starting with U+FEFF (BOM) round-trips byte-identical', () => {
    // docs/reliability.md, case 1: messages are delivered byte-identical. A decoder that strips a
    // leading BOM changes the text.
    const body = '\uFEFFhello'
    expect(decodeFrame(encodeFrame({ type: 'message', id: id16, seq: 1, sentAt: 1, kind: 'text', body }))).toMatchObject({ body })
    expect(decodeFrame(encodeFrame({ type: 'friendAccept', name: '\uFEFF' }))).toEqual({ type: 'friendAccept', name: '\uFEFF' })
  })

  it('unknown type codes give {type: unknown} (ignored, not fatal); empty → null', () => {
    expect(decodeFrame(Buffer.alloc(0))).toBeNull()
    expect(decodeFrame(Buffer.from([0]))).toEqual({ type: 'unknown', code: 0 })
    expect(decodeFrame(Buffer.from([11]))).toEqual({ type: 'unknown', code: 11 })
    expect(decodeFrame(Buffer.from([255, 1, 2, 3]))).toEqual({ type: 'unknown', code: 255 })
  })

  it('bad enum values (status, kind) and a bad bool in mailbox? → null', () => {
    expect(decodeFrame(Buffer.from('05000300', 'hex'))).toBeNull() // status 3
    const msg = encodeFrame({ type: 'message', id: id16, seq: 1, sentAt: 1, kind: 'text', body: 'a' })
    msg[19] = 3 // kind (0 text, 1 action, 2 file)
    expect(decodeFrame(msg)).toBeNull()
  })
})
