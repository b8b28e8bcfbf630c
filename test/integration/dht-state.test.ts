import HyperDHT from 'hyperdht'
import { afterAll, describe, expect, it } from 'vitest'
import { DhtNode, type DhtState } from '../../src/net/dht-node.js'
import { createLoopbackNetwork, DEFAULT_BOOTSTRAP_PORT, type LoopbackNetwork } from '../../src/net/testnet.js'
import { testHost } from '../helpers/psst.js'
import { PsstError } from '../../src/errors.js'

const HOST = testHost(12)
const cleanup: Array<() => Promise<void>> = []

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn()
})

function waitForState (node: DhtNode, want: DhtState, ms: number): Promise<void> {
  if (node.state === want) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still ${node.state} after ${ms} ms`)), ms)
    node.on('state', (s) => { if (s === want) { clearTimeout(timer); resolve() } })
  })
}

describe('DhtNode state and start-up', () => {
  it('an unreachable bootstrap does not hang create(): offline, then online once the network appears', async () => {
    const bootstrap = [{ host: HOST, port: DEFAULT_BOOTSTRAP_PORT }]
    const t0 = Date.now()
    const node = await DhtNode.create({ bootstrap, bootstrapTimeout: 1000 })
    cleanup.push(() => node.destroy())
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(node.state).toBe('offline')
    expect(node.address().host).toBe(HOST)

    const net: LoopbackNetwork = await createLoopbackNetwork({ host: HOST, port: DEFAULT_BOOTSTRAP_PORT })
    cleanup.unshift(() => net.destroy())
    await waitForState(node, 'online', 15_000)
  })

  it('a second network on the same host steps to the next bootstrap port', async () => {
    const other = await createLoopbackNetwork({ host: HOST, size: 2 })
    cleanup.push(() => other.destroy())
    expect(other.bootstrap[0].port).toBeGreaterThan(DEFAULT_BOOTSTRAP_PORT)
  })

  it('refuses a non-loopback host for a loopback network', async () => {
    await expect(createLoopbackNetwork({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'USAGE' })
    await expect(createLoopbackNetwork({ host: '192.0.2.2' })).rejects.toMatchObject({ code: 'USAGE' })
    await expect(createLoopbackNetwork({ host: HOST, size: 1 })).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('an explicit bind address that cannot be bound is a usage error', async () => {
    // 203.0.113.0/24 is TEST-NET-3, never assigned here: bind() fails at once, nothing is sent.
    const err = await DhtNode.create({ bootstrap: [{ host: HOST, port: 1 }], host: '203.0.113.1' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PsstError)
    expect((err as PsstError).code).toBe('USAGE')
    expect((err as PsstError).message).toContain('203.0.113.1')
  })
})

describe('DhtNode as the first node of a private network (bootstrapper: true)', () => {
  // Alone it is one DHT node: firewalled peers could not classify their NAT (that needs replies
  // from 3 nodes) and their streams would open, then time out. Unfirewalled peers connect directly.
  it('other (unfirewalled) nodes bootstrap from it and connect', async () => {
    const host = testHost(13)
    const root = await DhtNode.create({ bootstrap: [], bootstrapper: true, host, port: 49735 })
    cleanup.push(() => root.destroy())
    expect(root.address()).toEqual({ host, port: 49735 })
    const bootstrap = [{ host, port: 49735 }]
    const [a, b] = await Promise.all([DhtNode.create({ bootstrap, firewalled: false }), DhtNode.create({ bootstrap, firewalled: false })])
    cleanup.push(() => a.destroy(), () => b.destroy())
    expect(a.state).toBe('online')
    const kp = HyperDHT.keyPair()
    await a.listen(kp, () => false, (s) => s.write(Buffer.from('hi')))
    const s = b.connect(kp.publicKey, HyperDHT.keyPair())
    const data = await new Promise<Buffer>((resolve, reject) => { s.once('data', resolve); s.once('close', () => reject(new Error('closed'))) })
    expect(String(data)).toBe('hi')
    s.destroy()
  })

  it('refuses to be a bootstrapper without an explicit host and port', async () => {
    await expect(DhtNode.create({ bootstrap: [], bootstrapper: true })).rejects.toMatchObject({ code: 'USAGE' })
  })
})
