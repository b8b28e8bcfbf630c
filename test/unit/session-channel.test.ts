import { describe, it, expect, vi } from 'vitest'
import { EventEmitter } from 'node:events'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { openChannel, MAX_BAD_FRAMES, type ChannelHandlers } from '../../src/net/channel.js'
import { encodeFrame, type Frame } from '../../src/wire/frames.js'
import { MAX_FRAME_BYTES, PROTOCOL, PROTOCOL_VERSION } from '../../src/wire/limits.js'
import type { PeerStream } from '../../src/net/peer-stream.js'

/** An in-memory framed duplex pair: one write is one 'data' event on the other end (like secret-stream). */
class FakeStream extends EventEmitter {
  userData: unknown = null
  destroyed = false
  peer: FakeStream | null = null
  readonly remotePublicKey = Buffer.alloc(32, 1)
  readonly publicKey = Buffer.alloc(32, 2)
  readonly isInitiator: boolean
  constructor (initiator: boolean) { super(); this.isInitiator = initiator }
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

function pair (): [FakeStream, FakeStream] {
  const a = new FakeStream(true)
  const b = new FakeStream(false)
  a.peer = b
  b.peer = a
  return [a, b]
}

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Side A runs psst's channel; side B is a raw protomux peer that writes whatever bytes it likes. */
async function setup (): Promise<{ a: FakeStream, b: FakeStream, frames: Frame[], drops: string[], h: ChannelHandlers, sendRaw: (b: Uint8Array) => void, received: Buffer[] }> {
  const [a, b] = pair()
  const frames: Frame[] = []
  const drops: string[] = []
  const h: ChannelHandlers = {
    onFrame: (f) => { frames.push(f) },
    onOpen: () => {},
    onClose: () => {},
    onDrop: (reason) => { drops.push(reason) }
  }
  openChannel(a as unknown as PeerStream, h)
  const received: Buffer[] = []
  const mux = Protomux.from(b)
  const ch = mux.createChannel({ protocol: PROTOCOL, handshake: c.uint })!
  const msg = ch.addMessage({ encoding: c.raw, onmessage: (m: Buffer) => { received.push(m) } })
  ch.open(PROTOCOL_VERSION)
  await tick(20)
  return { a, b, frames, drops, h, sendRaw: (bytes) => { msg.send(bytes as Buffer) }, received }
}

describe('psst/1 channel over protomux (session/channel.ts)', () => {
  it('valid frames arrive in order; unknown types are ignored without closing', async () => {
    const s = await setup()
    s.sendRaw(encodeFrame({ type: 'ping', nonce: 1 }))
    for (let i = 0; i < 3 * MAX_BAD_FRAMES; i++) s.sendRaw(Buffer.from([200, i]))
    s.sendRaw(encodeFrame({ type: 'typing', typing: true }))
    await tick(30)
    expect(s.frames).toEqual([{ type: 'ping', nonce: 1 }, { type: 'typing', typing: true }])
    expect(s.drops).toEqual(Array(3 * MAX_BAD_FRAMES).fill('unknown-frame'))
    expect(s.a.destroyed).toBe(false)
  })

  it(`bad frames are dropped and counted; the ${MAX_BAD_FRAMES}th closes the connection`, async () => {
    const s = await setup()
    for (let i = 0; i < MAX_BAD_FRAMES - 1; i++) s.sendRaw(Buffer.from([6, 1, 2, 3]))
    await tick(30)
    expect(s.drops).toEqual(Array(MAX_BAD_FRAMES - 1).fill('bad-frame'))
    expect(s.a.destroyed).toBe(false)
    s.sendRaw(encodeFrame({ type: 'ping', nonce: 2 }))
    s.sendRaw(Buffer.alloc(0))
    await tick(30)
    expect(s.frames).toEqual([{ type: 'ping', nonce: 2 }])
    expect(s.drops).toHaveLength(MAX_BAD_FRAMES)
    expect(s.a.destroyed).toBe(true)
  })

  it('one frame above MAX_FRAME_BYTES closes the connection at once', async () => {
    const s = await setup()
    s.sendRaw(Buffer.alloc(MAX_FRAME_BYTES + 1, 6))
    await tick(30)
    expect(s.drops).toEqual(['oversized-frame'])
    expect(s.a.destroyed).toBe(true)
  })

  it('a frame of exactly MAX_FRAME_BYTES is judged by its content, not closed for size', async () => {
    const s = await setup()
    s.sendRaw(Buffer.alloc(MAX_FRAME_BYTES, 6))
    await tick(30)
    expect(s.drops).toEqual(['bad-frame'])
    expect(s.a.destroyed).toBe(false)
  })

  it('a throwing handler does not escape (the stream survives, a warning is emitted)', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const s = await setup()
      s.h.onFrame = () => { throw new TypeError('handler bug') }
      s.sendRaw(encodeFrame({ type: 'ping', nonce: 3 }))
      await tick(30)
      expect(s.a.destroyed).toBe(false)
      expect(warn).toHaveBeenCalled()
    } finally {
      warn.mockRestore()
    }
  })

  it('garbage below the channel (not protomux framing) destroys only that stream', async () => {
    const s = await setup()
    s.b.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
    await tick(30)
    expect(s.frames).toEqual([])
  })
})
