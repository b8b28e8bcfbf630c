import { afterAll, describe, expect, it } from 'vitest'
import { DhtNode, type DhtState } from '../../src/dht/node.js'
import { createLoopbackNetwork, DEFAULT_BOOTSTRAP_PORT, loopbackHostFor, type LoopbackNetwork } from '../../src/dht/testnet.js'
import { PsstError } from '../../src/errors.js'

const HOST = loopbackHostFor('test/integration/dht-state.test.ts')
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
    const other = await createLoopbackNetwork({ host: HOST, size: 1 })
    cleanup.push(() => other.destroy())
    expect(other.bootstrap[0].port).toBeGreaterThan(DEFAULT_BOOTSTRAP_PORT)
  })

  it('refuses a non-loopback host for a loopback network', async () => {
    await expect(createLoopbackNetwork({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'USAGE' })
    await expect(createLoopbackNetwork({ host: '192.0.2.2' })).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('an explicit bind address that cannot be bound is a usage error', async () => {
    // 203.0.113.0/24 is TEST-NET-3, never assigned here: bind() fails at once, nothing is sent.
    const err = await DhtNode.create({ bootstrap: [{ host: HOST, port: 1 }], host: '203.0.113.1' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PsstError)
    expect((err as PsstError).code).toBe('USAGE')
    expect((err as PsstError).message).toContain('203.0.113.1')
  })
})
