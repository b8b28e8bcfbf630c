import { describe, it, expect } from 'vitest'
import { Records, HeaderFile, type ProfileRecord, type FriendRecord, type RequestRecord, type BlockRecord, type MessageRecord, type HeaderRecord, type StreamRecord, type LegacyStreamMarks } from '../../src/wire/records.js'
import { MAX_MESSAGE_BYTES, MAX_NAME_BYTES } from '../../src/wire/limits.js'

const k = (b: number): Buffer => Buffer.alloc(32, b)
const id16 = Buffer.from('00112233445566778899aabbccddeeff', 'hex')

export const SAMPLE_RECORDS = {
  profile: [{
    publicKey: k(1), secretKey: Buffer.alloc(64, 2), name: 'alice', nospam: Buffer.from('01020304', 'hex'),
    status: 'busy', statusMessage: 'coding', mailbox: k(9), createdAt: 1_700_000_000_123
  }, {
    publicKey: k(3), secretKey: Buffer.alloc(64, 4), name: '', nospam: Buffer.alloc(4), status: 'online',
    statusMessage: '', mailbox: null, createdAt: 0
  }] satisfies ProfileRecord[],
  friend: [{
    publicKey: k(5), state: 'friends', name: 'bob 🐝', status: 'away', statusMessage: 'afk', lastSeen: 123, addedAt: 456,
    requestNospam: Buffer.from('cafebabe', 'hex'), requestMessage: 'hey', nextIndex: 1_000_077, unread: 3, mailbox: null,
    txnSession: 'client-1', txnUpTo: 5, txnSeq: 999_990, alias: 'robert', renames: [{ at: 1, from: 'rob', to: 'bob 🐝' }]
  }, {
    publicKey: k(6), state: 'request-sent', name: '', status: 'online', statusMessage: '', lastSeen: 0, addedAt: 0,
    requestNospam: Buffer.alloc(4), requestMessage: '', nextIndex: 0, unread: 0, mailbox: k(8),
    txnSession: '', txnUpTo: 0, txnSeq: 0, alias: '', renames: []
  }] satisfies FriendRecord[],
  stream: [
    { conversation: k(5), author: k(1), id: Buffer.alloc(16, 0x51), upTo: 1_000_000, ackedUpTo: 999_999 },
    { conversation: k(5), author: k(5), id: Buffer.alloc(16), upTo: 0, ackedUpTo: 0 }
  ] satisfies StreamRecord[],
  request: [{ publicKey: k(7), name: 'eve', message: 'let me in', receivedAt: 99 }] satisfies RequestRecord[],
  block: [{ publicKey: k(10), declinedOnly: true, at: 5, name: 'dave' }, { publicKey: k(11), declinedOnly: false, at: 0, name: '' }] satisfies BlockRecord[],
  message: [
    { outgoing: true, id: id16, seq: 1, sentAt: 2, kind: 'text', body: 'hi' },
    { outgoing: false, id: id16, seq: 2 ** 40, sentAt: 2 ** 45, kind: 'action', body: 'x'.repeat(MAX_MESSAGE_BYTES) }
  ] satisfies MessageRecord[]
}

export const SAMPLE_HEADERS: HeaderRecord[] = [
  { encrypted: true, salt: Buffer.alloc(16, 1), opslimit: 2, memlimit: 67_108_864, verifier: Buffer.alloc(40, 3) },
  { encrypted: false, salt: Buffer.alloc(16), opslimit: 0, memlimit: 0, verifier: Buffer.alloc(0) }
]

/** Records whose current version is not 1 (friend: 2 added stream ids, 3 alias and renames, 4 moved the stream marks out). */
const VERSIONS: Record<string, number> = { friend: 4, block: 2 }

/** The chat streams' marks friend records of versions 1–3 held. */
const LEGACY: LegacyStreamMarks = { lastSentSeq: 1_000_000, ackedUpTo: 999_999, recvUpTo: 77, sendStream: Buffer.alloc(16, 0x51), recvStream: Buffer.alloc(16, 0x52) }

describe('storage records: round trip, version byte, one reading', () => {
  for (const [name, samples] of Object.entries(SAMPLE_RECORDS)) {
    const codec = (Records as Record<string, { encode: (v: any) => Buffer, decode: (b: Uint8Array) => unknown }>)[name]
    it(name, () => {
      for (const rec of samples) {
        const bytes = codec.encode(rec)
        expect(bytes[0]).toBe(VERSIONS[name] ?? 1)
        expect(codec.decode(bytes)).toEqual(rec)
        expect(codec.decode(Buffer.concat([bytes, Buffer.from([0])]))).toBeNull()
        expect(codec.decode(bytes.subarray(0, bytes.byteLength - 1))).toBeNull()
        const wrongVersion = Buffer.from(bytes)
        wrongVersion[0] = 9
        expect(codec.decode(wrongVersion)).toBeNull()
        expect(codec.decode(Buffer.alloc(0))).toBeNull()
      }
    })
  }

  it('older friend records still read with their stream marks: version 3, version 2 (before aliases) and version 1 (before stream ids)', () => {
    const v3 = Records.friend.encodeV3({ ...SAMPLE_RECORDS.friend[0], ...LEGACY })
    expect(v3[0]).toBe(3)
    expect(Records.friend.decode(v3)).toEqual({ ...SAMPLE_RECORDS.friend[0], ...LEGACY })
    const { alias: _a, renames: _r, ...v2rec } = { ...SAMPLE_RECORDS.friend[0], ...LEGACY }
    const v2 = Records.friend.encodeV2(v2rec)
    expect(v2[0]).toBe(2)
    expect(Records.friend.decode(v2)).toEqual({ ...v2rec, alias: '', renames: [] })
    expect(Records.friend.decode(Buffer.concat([v2, Buffer.from([0])]))).toBeNull()
    const v1 = Buffer.concat([Buffer.from([1]), v2.subarray(1, v2.byteLength - 32)])
    expect(Records.friend.decode(v1)).toEqual({ ...v2rec, sendStream: Buffer.alloc(16), recvStream: Buffer.alloc(16), alias: '', renames: [] })
  })

  it('bounds hold in stored records too', () => {
    const rec = { ...SAMPLE_RECORDS.request[0], name: 'n'.repeat(MAX_NAME_BYTES + 1) }
    expect(Records.request.decode(Records.request.encode(rec))).toBeNull()
    const msg = { ...SAMPLE_RECORDS.message[0], body: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }
    // A message record is refused at encoding: a record that could not be read back is never written.
    expect(() => Records.message.encode(msg)).toThrow(/too long/)
  })

  it('header file: magic PSST, version 1, record', () => {
    for (const h of SAMPLE_HEADERS) {
      const bytes = HeaderFile.encode(h)
      expect(bytes.subarray(0, 5).toString('hex')).toBe('5053535401')
      expect(HeaderFile.decode(bytes)).toEqual(h)
      expect(HeaderFile.decode(bytes.subarray(0, bytes.byteLength - 1))).toBeNull()
      const bad = Buffer.from(bytes)
      bad[0] = 0x51
      expect(HeaderFile.decode(bad)).toBeNull()
    }
    expect(HeaderFile.decode(Buffer.from('PSST'))).toBeNull()
  })

  it('exact bytes of a block record (by hand): version 2 | key(32) | bool | uint | name; version 1 still reads', () => {
    expect(Records.block.encode({ publicKey: k(0xab), declinedOnly: true, at: 300, name: 'dave' }).toString('hex'))
      .toBe('02' + 'ab'.repeat(32) + '01' + 'fd2c01' + '04' + Buffer.from('dave').toString('hex'))
    const v1 = Buffer.from('01' + 'ab'.repeat(32) + '01' + 'fd2c01', 'hex')
    expect(Records.block.decode(v1)).toEqual({ publicKey: k(0xab), declinedOnly: true, at: 300, name: '' })
  })

  it('settings: exact bytes (version | bootstrap | dht host | lan | history caps), round trip, and refusal of other versions', () => {
    const rec = { bootstrap: '127.0.0.2:5', dhtHost: '', lan: false, historyMaxBytes: 1_048_576, historyMaxMessages: 0 }
    const bytes = Records.settings.encode(rec)
    expect(bytes.toString('hex')).toBe('01' + '0b' + Buffer.from('127.0.0.2:5').toString('hex') + '00' + '00' + 'fe00001000' + '00')
    expect(Records.settings.decode(bytes)).toEqual(rec)
    expect(Records.settings.decode(Buffer.concat([Buffer.from([3]), bytes.subarray(1)]))).toBeNull()
    expect(Records.settings.decode(bytes.subarray(0, 5))).toBeNull()
    // Before the caps (a lan field, then nothing): both caps read as the default.
    const beforeCaps = Buffer.from('01' + '0b' + Buffer.from('127.0.0.2:5').toString('hex') + '00' + '00', 'hex')
    expect(Records.settings.decode(beforeCaps)).toEqual({ ...rec, historyMaxBytes: 0, historyMaxMessages: 0 })
  })

  it('settings written before the lan field read as LAN discovery on (and the default caps)', () => {
    const old = Buffer.from('01' + '0b' + Buffer.from('127.0.0.2:5').toString('hex') + '00', 'hex')
    expect(Records.settings.decode(old)).toEqual({ bootstrap: '127.0.0.2:5', dhtHost: '', lan: true, historyMaxBytes: 0, historyMaxMessages: 0 })
  })
})

describe('message record ⇄ message frame', () => {
  it('share every byte after their heads, both ways', async () => {
    const { encodeFrame, decodeFrame } = await import('../../src/wire/frames.js')
    const { messageRecordFromFrame, messageFrameFromRecord } = await import('../../src/wire/records.js')
    const bodies = ['', 'a', 'héllo ✓ 🐈', '\uFEFFbom', 'x'.repeat(MAX_MESSAGE_BYTES)]
    const seqs = [0, 1, 252, 253, 65_535, 65_536, 2 ** 32, Number.MAX_SAFE_INTEGER]
    let n = 0
    for (const body of bodies) {
      for (const seq of seqs) {
        for (const outgoing of [true, false]) {
          const msg = { id: Buffer.alloc(16, n++), seq, sentAt: 1_700_000_000_000 + n, kind: n % 2 === 0 ? 'text' as const : 'action' as const, body }
          const frame = encodeFrame({ type: 'message', ...msg })
          const record = Records.message.encode({ outgoing, ...msg })
          expect(messageRecordFromFrame(frame, outgoing)).toEqual(record)
          expect(messageFrameFromRecord(record)).toEqual(frame)
          expect(Records.message.decode(messageRecordFromFrame(frame, outgoing))).toEqual({ outgoing, ...msg })
          const back = decodeFrame(messageFrameFromRecord(record))
          expect(back).toMatchObject({ type: 'message', ...msg })
        }
      }
    }
  })
})
