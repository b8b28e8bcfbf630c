import { describe, it, expect } from 'vitest'
import { EventEmitter } from 'node:events'
import { Link, type LinkHandlers } from '../../src/net/link.js'
import { openFileChannelOn, type FileChannelHandlers } from '../../src/files/channel.js'
import { FILE_PROTOCOL, type FileFrame } from '../../src/wire/files.js'
import { PROTOCOL } from '../../src/wire/limits.js'
import type { Frame } from '../../src/wire/frames.js'
import type { PeerStream } from '../../src/net/peer-stream.js'

/** An in-memory framed duplex pair: one write is one 'data' event on the other end (like secret-stream). */
class FakeStream extends EventEmitter {
  userData: unknown = null
  destroyed = false
  peer: FakeStream | null = null
  readonly remotePublicKey: Buffer
  readonly isInitiator: boolean
  constructor (initiator: boolean) { super(); this.isInitiator = initiator; this.remotePublicKey = Buffer.alloc(32, initiator ? 2 : 1) }
  write (data: Uint8Array): boolean {
    if (this.destroyed) return false
    const copy = Buffer.from(data)
    setImmediate(() => { if (this.peer !== null && !this.peer.destroyed) this.peer.emit('data', copy) })
    return true
  }
  end (): void { setImmediate(() => this.peer?.emit('end')) }
  pause (): void {}
  resume (): void {}
  destroy (): void {
    if (this.destroyed) return
    this.destroyed = true
    setImmediate(() => { this.emit('close'); this.peer?.destroy() })
  }
}

const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Waits for what the in-memory streams deliver on later turns of the event loop. */
async function until (done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await tick(10)
}

function linkPair (chat: Frame[][]): [Link, Link] {
  const a = new FakeStream(true)
  const b = new FakeStream(false)
  a.peer = b
  b.peer = a
  const handlers = (i: number): LinkHandlers => ({ onOpen () {}, onFrame (_l, f) { chat[i].push(f) }, onClose () {}, onDrop () {} })
  return [new Link(a as unknown as PeerStream, Date.now(), handlers(0)), new Link(b as unknown as PeerStream, Date.now(), handlers(1))]
}

function fileHandlers (frames: FileFrame[], opens: string[], name: string): FileChannelHandlers {
  return { onFrame (f) { frames.push(f) }, onOpen () { opens.push(name) }, onClose () {}, onDrop () {} }
}

describe('a link carries psst/1 and the channels features open on it (src/net/link.ts)', () => {
  it('psst-file/1 opened through the link on both sides, one side much later, carries frames beside chat', async () => {
    const chat: Frame[][] = [[], []]
    const [a, b] = linkPair(chat)
    const opens: string[] = []
    const got: FileFrame[] = []
    const fa = openFileChannelOn(a, fileHandlers([], opens, 'a'))
    await tick()
    // b's side opens after a's open already arrived: protomux's pair() must claim it
    const fb = openFileChannelOn(b, fileHandlers(got, opens, 'b'))
    await until(() => opens.length === 2)
    expect(opens.sort()).toEqual(['a', 'b'])
    expect(a.protocols).toEqual([PROTOCOL, FILE_PROTOCOL])
    expect(b.protocols).toEqual([PROTOCOL, FILE_PROTOCOL])
    const fileId = Buffer.alloc(16, 7)
    expect(fa.send({ type: 'done', fileId })).toBe(true)
    expect(a.send({ type: 'ping', nonce: 1 })).toBe(true)
    await until(() => got.length > 0 && chat[1].length > 0)
    expect(got).toEqual([{ type: 'done', fileId }])
    expect(chat[1]).toEqual([{ type: 'ping', nonce: 1 }])
    expect(fb.opened).toBe(true)
    await fa.drained()
  })

  it('refuses to replace its own psst/1 channel', () => {
    const [a] = linkPair([[], []])
    expect(() => a.openChannel(PROTOCOL, () => ({ close () {} }))).toThrow(/own channel/)
  })

  it('opening a protocol again closes the channel it replaces', () => {
    const [a] = linkPair([[], []])
    let closed = 0
    a.openChannel('x/1', () => ({ close () { closed++ } }))
    a.openChannel('x/1', () => ({ close () { closed++ } }))
    expect(closed).toBe(1)
    expect(a.protocols).toEqual([PROTOCOL, 'x/1'])
  })
})
