/**
 * LanDiscovery over real UDP on loopback (two of this engineer's addresses, a port of its own):
 * who recognises whom, and what a stranger sees.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import dgram from 'node:dgram'
import { LanDiscovery, type LanHost, type LanPeer } from '../../src/lan/discovery.js'
import { decodeBeacon, type Beacon } from '../../src/lan/beacon.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, toHex, type KeyPair } from '../../src/crypto/identity.js'
import { testHost, waitFor } from '../helpers/psst.js'

const A = testHost(243)
const B = testHost(244)
const PORT = 41_300 + Number(process.env.PSST_TEST_OCTET ?? 0)

interface Node { lan: LanDiscovery, found: string[], counters: Record<string, number>, kp: KeyPair, nospam: Buffer, dialKey: Buffer | null }

const peer = (kp: KeyPair, opts: { linked?: boolean, requestNospam?: Buffer } = {}): LanPeer =>
  ({ hex: toHex(kp.publicKey), publicKey: kp.publicKey, linked: opts.linked ?? false, requestNospam: opts.requestNospam ?? null })

const open: Array<{ close: () => void }> = []

async function node (bind: string, kp: KeyPair, peers: LanPeer[], dhtPort: number, requestsOpen = true): Promise<Node> {
  const n: Node = { found: [], counters: {}, kp, nospam: Buffer.from([9, 8, 7, 6]), dialKey: Buffer.alloc(32, dhtPort % 256), lan: null as unknown as LanDiscovery }
  const host: LanHost = {
    keyPair: () => kp,
    dialKey: () => n.dialKey,
    nospam: () => n.nospam,
    requestsOpen: () => requestsOpen,
    dht: () => ({ host: bind, port: dhtPort, online: false }),
    peers: () => peers,
    found: (hex) => { n.found.push(hex) },
    count: (c) => { n.counters[c] = (n.counters[c] ?? 0) + 1 },
    now: Date.now,
    random: Math.random
  }
  n.lan = new LanDiscovery(host, { port: PORT, bind, targets: [A, B] })
  expect(await n.lan.start()).toEqual([])
  open.push(n.lan)
  return n
}

/** A stranger's ear on B's address: the raw datagrams. */
async function listen (): Promise<Beacon[]> {
  const got: Beacon[] = []
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  await new Promise<void>((resolve) => s.bind(PORT, B, resolve))
  s.on('message', (data) => { const r = decodeBeacon(data); if ('beacon' in r) got.push(r.beacon) })
  open.push(s)
  return got
}

describe('LAN discovery', () => {
  beforeAll(async () => { await cryptoReady() })
  afterEach(() => { for (const o of open.splice(0)) o.close() })

  it('friends find each other at the address their beacon names', async () => {
    const ka = generateKeyPair()
    const kb = generateKeyPair()
    const a = await node(A, ka, [peer(kb)], 40001)
    const b = await node(B, kb, [peer(ka)], 40002)
    await waitFor(() => a.found.includes(toHex(kb.publicKey)) && b.found.includes(toHex(ka.publicKey)), 'both found')
    // Where to dial, and the key to dial there (the device key, which a friend would otherwise look up on the DHT).
    expect(a.lan.addressOf(toHex(kb.publicKey))).toMatchObject({ host: B, port: 40002, key: Buffer.alloc(32, 40002 % 256) })
    expect(b.lan.addressOf(toHex(ka.publicKey))).toMatchObject({ host: A, port: 40001, key: Buffer.alloc(32, 40001 % 256) })
    expect(a.lan.heardFrom(B)).toBe(true)
    // Each hears its own beacons too (both targets): never taken for a friend's.
    expect(a.lan.heardFrom(A)).toBe(false)
  })

  it('a linked friend is left out of beacons and not looked for', async () => {
    const ka = generateKeyPair()
    const kb = generateKeyPair()
    const a = await node(A, ka, [peer(kb, { linked: true })], 40001)
    const b = await node(B, kb, [peer(ka)], 40002)
    await waitFor(() => (b.counters['lan-beacons-unmatched'] ?? 0) >= 1 && (a.counters['lan-beacons-unmatched'] ?? 0) >= 1, 'beacons heard')
    expect(b.found).toEqual([])
    expect(a.found).toEqual([])
  })

  it('a holder of my current ID finds me for a request; an old nospam or a bare key does not', async () => {
    const kb = generateKeyPair()
    const b = await node(B, kb, [], 40002)
    const asker = await node(A, generateKeyPair(), [peer(kb, { requestNospam: Buffer.from([9, 8, 7, 6]) })], 40001)
    await waitFor(() => asker.found.includes(toHex(kb.publicKey)), 'the asker finds bob')
    expect(b.found).toEqual([])
    for (const o of open.splice(0)) o.close()

    const b2 = await node(B, kb, [], 40002)
    const stale = await node(A, generateKeyPair(), [peer(kb, { requestNospam: Buffer.from([1, 1, 1, 1]) })], 40001)
    await waitFor(() => (stale.counters['lan-beacons-unmatched'] ?? 0) >= 2, 'two of bob\'s beacons heard')
    expect(stale.found).toEqual([])
    expect(b2.found).toEqual([])
    for (const o of open.splice(0)) o.close()

    // psst requests off: the request tag is random bytes, even to a holder of the current ID.
    await node(B, kb, [], 40002, false)
    const shut = await node(A, generateKeyPair(), [peer(kb, { requestNospam: Buffer.from([9, 8, 7, 6]) })], 40001)
    await waitFor(() => (shut.counters['lan-beacons-unmatched'] ?? 0) >= 2, 'two of bob\'s beacons heard with requests off')
    expect(shut.found).toEqual([])
  })

  it('a stranger sees random bytes: no tag or nonce repeats from one beacon to the next', async () => {
    const ka = generateKeyPair()
    const friends = Array.from({ length: 3 }, () => peer(generateKeyPair()))
    const heard = await listen()
    await node(A, ka, friends, 40001)
    await waitFor(() => heard.length >= 3, 'three beacons', 15_000)
    const [x, y] = heard
    expect(x.nonce.equals(y.nonce)).toBe(false)
    expect(x.requestTag.equals(y.requestTag)).toBe(false)
    expect(x.tags).toHaveLength(4)
    const seen = new Set(x.tags.map((t) => t.toString('hex')))
    expect(y.tags.some((t) => seen.has(t.toString('hex')))).toBe(false)
  })

  it('bad datagrams are counted drops', async () => {
    const ka = generateKeyPair()
    const a = await node(A, ka, [], 40001)
    a.lan.receive(Buffer.from('not a beacon'), B)
    a.lan.receive(Buffer.alloc(5000), B)
    expect(a.counters['lan-beacon-foreign']).toBe(1)
    expect(a.counters['lan-beacon-oversized']).toBe(1)
  })
})
