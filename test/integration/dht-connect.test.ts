import { fork } from 'child_process'
import { fileURLToPath } from 'url'
import HyperDHT from 'hyperdht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DhtNode, type KeyPair } from '../../src/net/dht-node.js'
import { keepOnDuplicate, type PeerStream } from '../../src/net/peer-stream.js'
import { createLoopbackNetwork, type LoopbackNetwork } from '../../src/net/testnet.js'
import { testHost } from '../helpers/psst.js'
import { PsstError } from '../../src/errors.js'

const HOST = testHost(11)
const CHILD = fileURLToPath(new URL('./dht-peer.child.mjs', import.meta.url))

let net: LoopbackNetwork
let a: DhtNode
let b: DhtNode

/** Resolves with the first of `events` (args as array), rejects after `ms`. */
function next (emitter: { once (e: string, f: (...args: any[]) => void): unknown }, events: string[], ms = 5000): Promise<{ event: string, args: unknown[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`none of ${events.join('/')} within ${ms} ms`)), ms)
    for (const event of events) {
      emitter.once(event, (...args: unknown[]) => { clearTimeout(timer); resolve({ event, args }) })
    }
  })
}

/** Listens as a fresh key pair; returns it and a queue of incoming streams. */
async function listener (node: DhtNode, firewall: (pk: Buffer) => boolean = () => false): Promise<{ kp: KeyPair, incoming: PeerStream[], arrived: () => Promise<PeerStream> }> {
  const kp = HyperDHT.keyPair()
  const incoming: PeerStream[] = []
  const waiters: Array<(s: PeerStream) => void> = []
  let claimed = 0
  await node.listen(kp, firewall, (s) => {
    incoming.push(s)
    const waiter = waiters.shift()
    if (waiter !== undefined) waiter(incoming[claimed++])
  })
  const arrived = (): Promise<PeerStream> => new Promise(resolve => {
    if (claimed < incoming.length) resolve(incoming[claimed++])
    else waiters.push(resolve)
  })
  return { kp, incoming, arrived }
}

beforeAll(async () => {
  net = await createLoopbackNetwork({ host: HOST })
  ;[a, b] = await Promise.all([DhtNode.create({ bootstrap: net.bootstrap }), DhtNode.create({ bootstrap: net.bootstrap })])
})

afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()])
  await net?.destroy()
})

describe('DhtNode on a private loopback network', () => {
  it('binds every node to the network address and comes online', () => {
    expect(net.bootstrapString).toBe(`${HOST}:${net.bootstrap[0].port}`)
    for (const node of [a, b]) {
      expect(node.state).toBe('online')
      expect(node.address().host).toBe(HOST)
      expect(node.address().port).toBeGreaterThan(0)
    }
  })

  it('connects by public key: both ends see the other key, data round-trips', async () => {
    const server = await listener(a)
    server.arrived().then(s => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d]))))
    const kb = HyperDHT.keyPair()
    const s = b.connect(server.kp.publicKey, kb)
    await next(s, ['open'])
    expect(s.isInitiator).toBe(true)
    expect(s.remotePublicKey.equals(server.kp.publicKey)).toBe(true)
    expect(s.publicKey.equals(kb.publicKey)).toBe(true)
    s.write(Buffer.from('ping'))
    const { args } = await next(s, ['data'])
    expect(String(args[0])).toBe('echo:ping')
    const remote = server.incoming[0]
    expect(remote.isInitiator).toBe(false)
    expect(remote.remotePublicKey.equals(kb.publicKey)).toBe(true)
    expect(remote.handshakeHash?.equals(s.handshakeHash!)).toBe(true)

    // The peer's destroy() is noticed at once (ECONNRESET, then close).
    const t0 = Date.now()
    s.destroy()
    await next(remote, ['close'], 2000)
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('connects in milliseconds on loopback (median of 20 dials to open)', async () => {
    const server = await listener(a)
    const times: number[] = []
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now()
      const s = b.connect(server.kp.publicKey, HyperDHT.keyPair())
      await next(s, ['open'])
      times.push(performance.now() - t0)
      s.destroy()
      await next(s, ['close'])
    }
    const median = times.sort((x, y) => x - y)[10]
    console.log(`connect→open median ${median.toFixed(1)} ms, max ${times[19].toFixed(1)} ms`)
    expect(median).toBeLessThan(500)
  })

  it('a rejecting or throwing firewall fails the dial (PEER_CONNECTION_FAILED), no crash', async () => {
    const kb = HyperDHT.keyPair()
    let asked = 0
    const rejecting = await listener(a, (pk) => { asked++; return pk.equals(kb.publicKey) })
    const throwing = await listener(a, (pk) => { asked++; return (pk as unknown as { no: { such: boolean } }).no.such })
    const t0 = Date.now()
    const dials = [rejecting, throwing].map(async (l) => {
      const s = b.connect(l.kp.publicKey, kb)
      const { event, args } = await next(s, ['open', 'error'], 15_000)
      return { event, code: (args[0] as { code?: string } | undefined)?.code }
    })
    const results = await Promise.all(dials)
    const seconds = (Date.now() - t0) / 1000
    expect(results).toEqual([{ event: 'error', code: 'PEER_CONNECTION_FAILED' }, { event: 'error', code: 'PEER_CONNECTION_FAILED' }])
    expect(asked).toBeGreaterThanOrEqual(2)
    expect(rejecting.incoming.length + throwing.incoming.length).toBe(0)
    console.log(`firewall reject seen by the dialler after ${seconds.toFixed(1)} s`)
  })

  it('a key nobody listens on fails fast with PEER_NOT_FOUND', async () => {
    const s = b.connect(HyperDHT.keyPair().publicKey, HyperDHT.keyPair())
    const { event, args } = await next(s, ['open', 'error'], 10_000)
    expect(event).toBe('error')
    expect((args[0] as { code?: string }).code).toBe('PEER_NOT_FOUND')
  })

  it('simultaneous dials: both sides hold two streams and keepOnDuplicate picks the same one', async () => {
    const la = await listener(a)
    const lb = await listener(b)
    const outA = a.connect(lb.kp.publicKey, la.kp)
    const outB = b.connect(la.kp.publicKey, lb.kp)
    const [inA, inB] = await Promise.all([la.arrived(), lb.arrived(), next(outA, ['open']), next(outB, ['open'])])
    const keptA = [outA, inA].filter(s => keepOnDuplicate(la.kp.publicKey, s))
    const keptB = [outB, inB].filter(s => keepOnDuplicate(lb.kp.publicKey, s))
    expect(keptA).toHaveLength(1)
    expect(keptB).toHaveLength(1)
    expect(keptA[0].handshakeHash?.equals(keptB[0].handshakeHash!)).toBe(true)
    expect(outA.handshakeHash?.equals(outB.handshakeHash!)).toBe(false)

    const dropA = keptA[0] === outA ? inA : outA
    const dropB = keptB[0] === outB ? inB : outB
    dropA.destroy()
    dropB.destroy()
    keptA[0].write(Buffer.from('still here'))
    expect(String((await next(keptB[0], ['data'])).args[0])).toBe('still here')
    keptA[0].destroy()
  })

  it('notices a killed peer process in ~3 s with keep-alive 1 s and timeout 3 s', async () => {
    const server = await listener(a)
    const child = fork(CHILD, [HOST, String(net.bootstrap[0].port), server.kp.publicKey.toString('hex'), '1000'], { stdio: 'ignore' })
    try {
      const s = await server.arrived()
      s.setKeepAlive(1000)
      s.setTimeout(3000)
      await next(s, ['data'])
      const t0 = Date.now()
      child.kill('SIGKILL')
      await next(s, ['close'], 8000)
      const seconds = (Date.now() - t0) / 1000
      expect(seconds).toBeLessThan(5)
      console.log(`killed peer noticed after ${seconds.toFixed(1)} s (keep-alive 1 s, timeout 3 s)`)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('destroy() is idempotent and leaves a node that refuses work', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
    const before = timers()
    const c = await DhtNode.create({ bootstrap: net.bootstrap })
    expect(timers()).toBeGreaterThan(before)
    const states: string[] = []
    c.on('state', (s) => states.push(s))
    await c.listen(HyperDHT.keyPair(), () => false, () => {})
    const t0 = Date.now()
    await Promise.all([c.destroy(), c.destroy()])
    await c.destroy()
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(c.state).toBe('offline')
    expect(states).toEqual(['offline'])
    expect(c.address().port).toBeNull()
    expect(timers()).toBeLessThanOrEqual(before) // the node's tick timers are gone
    expect(() => c.connect(HyperDHT.keyPair().publicKey, HyperDHT.keyPair())).toThrow(PsstError)
    await expect(c.listen(HyperDHT.keyPair(), () => false, () => {})).rejects.toThrow(PsstError)
  })
})
