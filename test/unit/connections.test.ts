import { describe, it, expect } from 'vitest'
import { EventEmitter } from 'node:events'
import { Connections, MAX_STRANGER_LINKS, type ConnectionsHost, type Dialable, type DialOptions } from '../../src/net/connections.js'
import type { PeerStream } from '../../src/net/peer-stream.js'

/** A stream that goes nowhere: what Connections decides is all these tests look at. */
class DeadStream extends EventEmitter {
  userData: unknown = null
  destroyed = false
  handshakeHash: Buffer | null = null
  constructor (readonly remotePublicKey: Buffer, readonly isInitiator: boolean) { super() }
  write (): boolean { return true }
  end (): void {}
  pause (): void {}
  resume (): void {}
  destroy (): void { if (!this.destroyed) { this.destroyed = true; this.emit('close') } }
}

const SMALL = Buffer.alloc(32, 1)
const LARGE = Buffer.alloc(32, 9)

function setup (local: Buffer, remote: Buffer, extra: Partial<ConnectionsHost<Dialable>> = {}): { c: Connections<Dialable>, p: Dialable, counts: string[] } {
  const p: Dialable = { hex: remote.toString('hex'), link: null, dialing: false, dialAttempts: 0, dialTimer: null }
  const counts: string[] = []
  const c = new Connections<Dialable>({
    localKey: () => local,
    now: () => 1000,
    random: () => 0,
    closing: () => false,
    dialer: () => null,
    peer: (hex) => hex === p.hex ? p : undefined,
    remoteKey: () => remote,
    refused: () => false,
    blocked: () => false,
    slowRedial: () => false,
    handlers: { onOpen () {}, onFrame () {}, onDrop () {} },
    linked () {},
    unlinked () {},
    count: (name) => { counts.push(name) },
    flood () {},
    ...extra
  })
  return { c, p, counts }
}

const stream = (remote: Buffer, initiator: boolean): DeadStream => new DeadStream(remote, initiator)

describe('connections: one link per peer (src/net/connections.ts)', () => {
  it('a simultaneous dial keeps the connection the smaller key initiated, on both sides', () => {
    // I am smaller: keep the one I initiated, whichever came first
    const small = setup(SMALL, LARGE)
    const mine = stream(LARGE, true)
    const theirs = stream(LARGE, false)
    small.c.attach(mine as unknown as PeerStream)
    small.c.attach(theirs as unknown as PeerStream)
    expect(small.p.link?.stream).toBe(mine)
    expect(theirs.destroyed).toBe(true)
    // they are larger: they keep what I initiated (their non-initiator end)
    const large = setup(LARGE, SMALL)
    const ours = stream(SMALL, true)
    const fromSmall = stream(SMALL, false)
    large.c.attach(ours as unknown as PeerStream)
    large.c.attach(fromSmall as unknown as PeerStream)
    expect(large.p.link?.stream).toBe(fromSmall)
    expect(ours.destroyed).toBe(true)
  })

  it('a strangers\' flood keeps at most MAX_STRANGER_LINKS open, dropping one at random for each newcomer', () => {
    const { c, counts } = setup(SMALL, LARGE)
    for (let i = 0; i < MAX_STRANGER_LINKS + 3; i++) {
      const key = Buffer.alloc(32, 0); key.writeUInt32BE(i + 100)
      c.attach(stream(key, false) as unknown as PeerStream)
    }
    expect(c.strangers.size).toBe(MAX_STRANGER_LINKS)
    expect(counts.filter((n) => n === 'strangers-dropped')).toHaveLength(3)
    c.close()
  })

  it('dials through the function it is given, with the relay hook\'s options', async () => {
    const dialled: Array<{ remote: Buffer, opts: DialOptions }> = []
    const { c, p } = setup(SMALL, LARGE, {
      dialer: () => (remote, opts) => { dialled.push({ remote, opts }); return stream(remote, true) as unknown as PeerStream }
    })
    c.dialOptions = () => ({ relayThrough: SMALL, forceRelay: true })
    c.dial(p)
    c.dial(p)
    await new Promise((r) => setImmediate(r))
    expect(dialled).toEqual([{ remote: LARGE, opts: { relayThrough: SMALL, forceRelay: true } }])
    expect(p.link?.initiator).toBe(true)
  })

  it('dialAgain: a better address replaces a dial still waiting, on the key its route names; an open link is left alone', async () => {
    const dialled: Array<{ remote: Buffer, opts: DialOptions, s: DeadStream }> = []
    const { c, p } = setup(SMALL, LARGE, {
      dialer: () => (remote, opts) => { const s = stream(remote, true); dialled.push({ remote, opts, s }); return s as unknown as PeerStream }
    })
    const tick = async (): Promise<unknown> => await new Promise((r) => setImmediate(r))
    c.dial(p)
    await tick()
    const DEVICE = Buffer.alloc(32, 0x77)
    c.route = async () => DEVICE
    c.dialOptions = () => ({ relayThrough: null, forceRelay: false, direct: [{ host: '10.0.0.3', port: 49737 }] })
    c.dialAgain(p)
    await tick()
    expect(dialled).toHaveLength(2)
    expect(dialled[1].remote).toEqual(DEVICE)
    expect(dialled[1].opts.direct).toEqual([{ host: '10.0.0.3', port: 49737 }])
    expect(p.link?.stream).toBe(dialled[1].s)
    expect(dialled[0].s.destroyed).toBe(true)
    // Once the handshake is done (a handshake hash), nothing is dialled again.
    ;(dialled[1].s as unknown as { handshakeHash: Buffer }).handshakeHash = Buffer.alloc(64)
    c.dialAgain(p)
    await tick()
    expect(dialled).toHaveLength(2)
  })

  it('dialAgain leaves a waiting dial to a non-friend alone: its firewall admits my key once per 2 s, and the admitted dial would be replaced by a refused one', async () => {
    const dialled: DeadStream[] = []
    const { c, p } = setup(SMALL, LARGE, {
      slowRedial: () => true,
      dialer: () => (remote) => { const s = stream(remote, true); dialled.push(s); return s as unknown as PeerStream }
    })
    const tick = async (): Promise<unknown> => await new Promise((r) => setImmediate(r))
    c.dial(p)
    await tick()
    c.dialAgain(p)
    await tick()
    expect(dialled).toHaveLength(1)
    expect(dialled[0].destroyed).toBe(false)
    expect(p.link?.stream).toBe(dialled[0])
  })

  it('dials the key its route names, and the link is the peer\'s (docs/design.md, Presence privacy)', async () => {
    const DEVICE = Buffer.alloc(32, 0x77)
    const dialled: Buffer[] = []
    const { c, p } = setup(SMALL, LARGE, {
      dialer: () => (remote) => { dialled.push(remote); return stream(remote, true) as unknown as PeerStream }
    })
    c.route = async () => DEVICE
    c.dial(p)
    await new Promise((r) => setImmediate(r))
    expect(dialled).toEqual([DEVICE])
    expect(p.link?.hex).toBe(LARGE.toString('hex'))
    expect(c.strangers.size).toBe(0)
  })

  it('a route that finds nothing dials nothing and tries again later', async () => {
    const dialled: Buffer[] = []
    const { c, p } = setup(SMALL, LARGE, {
      dialer: () => (remote) => { dialled.push(remote); return stream(remote, true) as unknown as PeerStream }
    })
    c.route = async () => null
    c.minRedialMs = () => 123_456
    c.dial(p)
    await new Promise((r) => setImmediate(r))
    expect(dialled).toEqual([])
    expect(p.dialing).toBe(false)
    expect(p.dialTimer).not.toBeNull()
    clearTimeout(p.dialTimer!)
  })

  it('a friends-only firewall refuses strangers and blocked keys', () => {
    const STRANGER = Buffer.alloc(32, 0x55)
    const { c, counts } = setup(SMALL, LARGE)
    expect(c.friendsOnly(LARGE)).toBe(false)
    expect(c.friendsOnly(STRANGER)).toBe(true)
    expect(counts).toEqual(['refused-not-friend'])
  })

  it('the firewall refuses blocked keys and admits known peers', () => {
    const { c, counts } = setup(SMALL, LARGE, { blocked: (hex) => hex === SMALL.toString('hex') })
    expect(c.firewall(SMALL)).toBe(true)
    expect(c.firewall(LARGE)).toBe(false)
    expect(counts).toEqual(['refused-blocked'])
  })
})
