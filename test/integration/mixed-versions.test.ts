/**
 * A daemon of today against a friend still running psst of protocol version 1 (before stream
 * ids: its hello and receipt end where version 1 ended, and it refuses a frame with bytes after
 * what it knows). The friendship is from before the upgrade: alice's profile holds the friend in
 * a record of the old format (version 3, written by a protocol 2 daemon, with a stream id the
 * old friend never heard of), so the daemon migrates it, reaches the friend on its identity key
 * (docs/design.md, Presence privacy: migration) and must speak version 1 to it. The old friend is
 * a raw hyperdht peer that opens `psst/1` with handshake 1 and speaks, and reads, only the
 * version 1 encodings (written here by hand as src/wire/frames.ts had them before protocol
 * version 2): the daemon's hello and receipts must decode under the old rules, the old friend's
 * receipts must mark messages delivered, and messages go both ways.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import c from 'compact-encoding'
import { randomBytes } from 'node:crypto'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import type { Client } from '../../src/daemon/index.js'
import { RawNet, type RawConn, type KeyPair } from '../helpers/raw-peer.js'
import { encodeFrame } from '../../src/wire/frames.js'
import { Records } from '../../src/wire/records.js'
import { ProfileStore } from '../../src/storage/profile-store.js'

// --- protocol version 1, as its daemons encoded and (strictly) decoded them
const HELLO = 1
const FRIEND_REQUEST = 2
const FRIEND_ACCEPT = 3
const MESSAGE = 6
const RECEIPT = 7

interface OldHello { version: number, name: string, status: number, statusMessage: string, caps: number, recvUpTo: number, mailbox: Buffer | null }

function frame (type: number, body: (enc: 'preencode' | 'encode', s: ReturnType<typeof c.state>) => void): Buffer {
  const s = c.state()
  c.uint8.preencode(s, type)
  body('preencode', s)
  s.buffer = Buffer.allocUnsafe(s.end)
  c.uint8.encode(s, type)
  body('encode', s)
  return s.buffer as Buffer
}

const oldHello = (name: string, recvUpTo: number): Buffer => frame(HELLO, (op, s) => {
  c.uint[op](s, 1)
  c.string[op](s, name)
  c.uint8[op](s, 0)
  c.string[op](s, '')
  c.uint[op](s, 0)
  c.uint[op](s, recvUpTo)
  c.bool[op](s, false)
})
const oldAccept = (name: string): Buffer => frame(FRIEND_ACCEPT, (op, s) => { c.string[op](s, name) })
const oldReceipt = (upTo: number): Buffer => frame(RECEIPT, (op, s) => { c.uint[op](s, upTo); c.uint[op](s, 0) })
const oldMessage = (seq: number, body: string): Buffer => frame(MESSAGE, (op, s) => {
  c.fixed(16)[op](s, randomBytes(16))
  c.uint[op](s, seq)
  c.uint[op](s, Date.now())
  c.uint8[op](s, 0)
  c.string[op](s, body)
})

/** Version 1's reading: the whole frame, no byte left over (else it is a bad frame, dropped). */
function strict<T> (bytes: Buffer, read: (s: ReturnType<typeof c.state>) => T): T | null {
  try {
    const s = { start: 1, end: bytes.byteLength, buffer: bytes }
    const v = read(s)
    return s.start === s.end ? v : null
  } catch {
    return null
  }
}
const readOldHello = (b: Buffer): OldHello | null => strict(b, (s) => ({
  version: c.uint.decode(s), name: c.string.decode(s), status: c.uint8.decode(s), statusMessage: c.string.decode(s),
  caps: c.uint.decode(s), recvUpTo: c.uint.decode(s), mailbox: c.bool.decode(s) ? c.fixed32.decode(s) as Buffer : null
}))
const readOldReceipt = (b: Buffer): { upTo: number, ids: number } | null => strict(b, (s) => {
  const upTo = c.uint.decode(s)
  const n = c.uint.decode(s)
  for (let i = 0; i < n; i++) c.fixed(16).decode(s)
  return { upTo, ids: n }
})
const readOldMessageSeq = (b: Buffer): number | null => strict(b, (s) => {
  c.fixed(16).decode(s)
  const seq = c.uint.decode(s)
  c.uint.decode(s)
  c.uint8.decode(s)
  c.string.decode(s)
  return seq
})

/** A friend running psst of protocol version 1: answers a request, says hello, acknowledges nothing by itself. */
class OldPeer {
  conns: RawConn[] = []
  /** What its hellos claim it holds of alice's messages. */
  recvUpTo = 0
  /** Every frame of the daemon's, by type: the raw bytes. */
  got = (conn: RawConn, type: number): Buffer[] => conn.raw.filter((b) => b[0] === type)
  constructor (readonly keyPair: KeyPair) {}

  adopt (conn: RawConn): void {
    this.conns.push(conn)
    let said = false
    const hello = (): void => { if (!said) { said = true; conn.sendBytes(oldHello('oldbob', this.recvUpTo)) } }
    conn.onFrame = () => {
      const last = conn.raw[conn.raw.length - 1]
      if (last[0] === FRIEND_REQUEST) { conn.sendBytes(oldAccept('oldbob')); hello() }
      if (last[0] === HELLO) { hello(); conn.ready = true }
    }
    void conn.openChannel(10_000, 1)
  }

  get conn (): RawConn | undefined { return this.conns.filter((x) => x.ready && !x.closed).at(-1) }
}

let net: TestNet
let raw: RawNet
let alice: Profile
let ctl: Client
let old: OldPeer

/** The friend record a protocol 2 daemon wrote for a friend made then (version 3: the stream marks inside). */
async function friendFromBefore (home: string, publicKey: Buffer): Promise<void> {
  const store = await ProfileStore.open(home, null)
  try {
    const rec = Records.friend.encodeV3({
      publicKey, state: 'friends', name: 'oldbob', status: 'online', statusMessage: '', lastSeen: 0, addedAt: 1,
      requestNospam: Buffer.alloc(4), requestMessage: '', nextIndex: 0, unread: 0, mailbox: null, txnSession: '', txnUpTo: 0, txnSeq: 0,
      lastSentSeq: 0, ackedUpTo: 0, recvUpTo: 0, sendStream: randomBytes(16), recvStream: Buffer.alloc(16)
    })
    // A plain profile keys a friend by its public key.
    await store.apply([{ type: 'put', sub: 'friends', key: publicKey, value: rec }])
  } finally {
    await store.close()
  }
}

beforeAll(async () => {
  net = await TestNet.start(200)
  raw = await RawNet.create(net.bootstrap)
  old = new OldPeer(RawNet.keyPair())
  await raw.listen(old.keyPair, (conn) => old.adopt(conn))
  alice = await net.profile('alice', { start: false })
  await friendFromBefore(alice.home, old.keyPair.publicKey)
  await alice.start()
  ctl = await alice.client()
})

afterAll(async () => {
  await raw?.destroy()
  await net?.teardown()
})

describe('a friend running psst of protocol version 1', () => {
  const oldHex = (): string => old.keyPair.publicKey.toString('hex')
  const counters = async (): Promise<Record<string, number>> => (await ctl.call('status', {})).counters ?? {}

  it('the friendship from before the upgrade goes on; the daemon\'s hello is one it can read (no stream fields after version 1)', async () => {
    expect((await ctl.call('status', {})).counters['friends-migrated']).toBe(1)
    await waitFor(async () => old.conn !== undefined, 'the old peer has a link with both hellos', 60_000)
    await waitFor(async () => (await ctl.call('friends', {})).find((f) => f.publicKey === oldHex())?.online === true, 'alice sees the old peer online')
    const hellos = old.got(old.conn!, HELLO)
    expect(hellos.length).toBeGreaterThan(0)
    for (const h of hellos) expect(readOldHello(h)).toMatchObject({ name: 'alice', recvUpTo: 0 })
    // What today's decoder would have taken: a hello with stream fields is refused by version 1.
    const modern = encodeFrame({ type: 'hello', version: 2, name: 'x', status: 'online', statusMessage: '', recvUpTo: 0, mailbox: null, stream: Buffer.alloc(16, 1), base: 0, recvStream: Buffer.alloc(16) })
    expect(readOldHello(modern)).toBeNull()
    expect((await counters())['links-old-protocol']).toBeGreaterThan(0)
  })

  it('its receipt (version 1: no stream) marks alice\'s message delivered', async () => {
    const conn = old.conn!
    const sent = await ctl.call('send', { friend: oldHex(), text: 'hello, old friend' })
    await waitFor(async () => old.got(conn, MESSAGE).length > 0, 'the message reaches the old peer')
    const msg = old.got(conn, MESSAGE)[0]
    expect(readOldMessageSeq(msg)).toBe(sent.seq)
    conn.sendBytes(oldReceipt(sent.seq))
    expect((await ctl.call('waitDelivered', { friend: oldHex(), seq: sent.seq, timeoutMs: 10_000 })).delivered).toBe(true)
    const [entry] = await ctl.call('history', { friend: oldHex(), limit: 1 })
    expect(entry).toMatchObject({ text: 'hello, old friend', state: 'delivered' })
    expect((await counters())['receipts-other-stream'] ?? 0).toBe(0)
  })

  it('its message is stored once, and alice\'s receipt is one it can read', async () => {
    const conn = old.conn!
    conn.sendBytes(oldMessage(1, 'hi from an old psst'))
    await waitFor(async () => (await ctl.call('history', { friend: oldHex(), limit: 10 })).some((e: any) => e.text === 'hi from an old psst'), 'alice stores it')
    await waitFor(async () => old.got(conn, RECEIPT).length > 0, 'alice acknowledges it')
    const receipts = old.got(conn, RECEIPT).map(readOldReceipt)
    expect(receipts.every((r) => r !== null)).toBe(true)
    expect(receipts.at(-1)).toEqual({ upTo: 1, ids: 0 })
    const c2 = await counters()
    expect([c2['bad-frame'] ?? 0, c2['out-of-order-messages'] ?? 0, c2['over-acks'] ?? 0]).toEqual([0, 0, 0])
  })

  it('on a new link its hello mark (version 1: no stream) marks what it holds delivered; nothing is sent again', async () => {
    const first = old.conn!
    const sent = await ctl.call('send', { friend: oldHex(), text: 'second' })
    await waitFor(async () => old.got(first, MESSAGE).length >= 2, 'the second message reaches the old peer')
    // Gone before its receipt: the old peer's next hello says it holds it.
    old.recvUpTo = sent.seq
    first.destroy()
    await waitFor(async () => old.conn !== undefined && old.conn !== first, 'a new link', 30_000)
    expect((await ctl.call('waitDelivered', { friend: oldHex(), seq: sent.seq, timeoutMs: 10_000 })).delivered).toBe(true)
    expect(old.got(old.conn!, MESSAGE).length).toBe(0)
    expect(old.got(old.conn!, HELLO).map(readOldHello).every((h) => h !== null)).toBe(true)
  })
})
