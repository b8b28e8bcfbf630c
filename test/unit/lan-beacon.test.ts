import { describe, it, expect, beforeAll } from 'vitest'
import { encodeBeacon, decodeBeacon, paddedTagCount, BEACON_MAGIC, MAX_BEACON_BYTES, MAX_BEACON_TAGS, type Beacon } from '../../src/lan/beacon.js'
import { lanFriendKey, lanRequestKey, lanTag } from '../../src/crypto/lan-tag.js'
import { broadcastOf, interfaceTargets } from '../../src/lan/sockets.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, randomBytes } from '../../src/crypto/identity.js'

const beacon = (over: Partial<Beacon> = {}): Beacon => ({
  port: 49737, host: '10.0.0.2', key: null, nonce: Buffer.alloc(16, 7), requestTag: Buffer.alloc(8, 1), tags: [Buffer.alloc(8, 2), Buffer.alloc(8, 3)], ...over
})

describe('LAN beacon record', () => {
  it('round-trips, starts with the magic and version 1', () => {
    const bytes = encodeBeacon(beacon())
    expect(bytes.subarray(0, 5)).toEqual(Buffer.concat([BEACON_MAGIC, Buffer.from([1])]))
    expect(decodeBeacon(bytes)).toEqual({ beacon: beacon() })
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_BEACON_BYTES)
    const keyed = beacon({ key: Buffer.alloc(32, 5) })
    expect(decodeBeacon(encodeBeacon(keyed))).toEqual({ beacon: keyed })
    const full = encodeBeacon(beacon({ host: '255.255.255.255', port: 65535, key: Buffer.alloc(32, 5), tags: Array.from({ length: MAX_BEACON_TAGS }, () => randomBytes(8)) }))
    expect(full.byteLength).toBeLessThanOrEqual(MAX_BEACON_BYTES)
  })

  it('anything else is a named drop, never a throw', () => {
    const good = encodeBeacon(beacon())
    expect(decodeBeacon(Buffer.alloc(MAX_BEACON_BYTES + 1))).toEqual({ drop: 'lan-beacon-oversized' })
    expect(decodeBeacon(Buffer.from('hello world'))).toEqual({ drop: 'lan-beacon-foreign' })
    expect(decodeBeacon(BEACON_MAGIC)).toEqual({ drop: 'lan-beacon-foreign' })
    expect(decodeBeacon(Buffer.concat([BEACON_MAGIC, Buffer.from([0]), good.subarray(5)]))).toEqual({ drop: 'lan-beacon-version' })
    expect(decodeBeacon(good.subarray(0, good.byteLength - 3))).toEqual({ drop: 'lan-beacon-malformed' })
    expect(decodeBeacon(Buffer.concat([good, Buffer.from([0])]))).toEqual({ drop: 'lan-beacon-malformed' })
    expect(decodeBeacon(encodeBeacon(beacon({ port: 0 })))).toEqual({ drop: 'lan-beacon-malformed' })
    // A tag count past the bound fails before anything is allocated for it.
    const tooMany = encodeBeacon(beacon({ tags: [] }))
    tooMany[tooMany.byteLength - 1] = MAX_BEACON_TAGS + 1
    expect(decodeBeacon(tooMany)).toEqual({ drop: 'lan-beacon-malformed' })
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.concat([BEACON_MAGIC, Buffer.from([1]), randomBytes(Math.floor(Math.random() * 80))])
      expect(() => decodeBeacon(junk)).not.toThrow()
    }
  })

  it('a newer version is read for the fields version 1 knows, its tail ignored', () => {
    const v2 = Buffer.concat([encodeBeacon(beacon()), Buffer.from([9, 9, 9])])
    v2[4] = 2
    expect(decodeBeacon(v2)).toEqual({ beacon: beacon() })
  })

  it('pads the tag count to a bucket, so it tells little of how many friends are missing', () => {
    expect([0, 1, 4, 5, 8, 9, 100, 128, 500].map(paddedTagCount)).toEqual([4, 4, 4, 8, 8, 16, 128, 128, 128])
  })
})

describe('LAN tags', () => {
  beforeAll(async () => { await cryptoReady() })

  it('two friends derive one key; anyone else another', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    const c = generateKeyPair()
    const ab = lanFriendKey(a, b.publicKey)!
    expect(lanFriendKey(b, a.publicKey)).toEqual(ab)
    expect(lanFriendKey(c, a.publicKey)).not.toEqual(ab)
    expect(lanFriendKey(a, Buffer.alloc(32))).toBeNull()
  })

  it('a tag depends on the sender, the nonce and the address: no two beacons share one', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    const key = lanFriendKey(a, b.publicKey)!
    const n1 = randomBytes(16)
    const addr = Buffer.from('10.0.0.2:49737')
    const t = lanTag(key, a.publicKey, n1, addr)
    expect(t).toHaveLength(8)
    expect(lanTag(key, a.publicKey, n1, addr)).toEqual(t)
    expect(lanTag(key, b.publicKey, n1, addr)).not.toEqual(t)
    expect(lanTag(key, a.publicKey, randomBytes(16), addr)).not.toEqual(t)
    expect(lanTag(key, a.publicKey, n1, Buffer.from('10.0.0.9:49737'))).not.toEqual(t)
  })

  it('the request key needs the current nospam', () => {
    const b = generateKeyPair()
    const k = lanRequestKey(b.publicKey, Buffer.from([1, 2, 3, 4]))
    expect(lanRequestKey(b.publicKey, Buffer.from([1, 2, 3, 4]))).toEqual(k)
    expect(lanRequestKey(b.publicKey, Buffer.from([1, 2, 3, 5]))).not.toEqual(k)
  })
})

describe('beacon targets', () => {
  it('broadcast address of each interface, ff02::1 scoped to it naming its IPv4 address; loopback left out', () => {
    expect(broadcastOf('192.168.1.20', '255.255.255.0')).toBe('192.168.1.255')
    expect(broadcastOf('10.1.2.3', '255.255.0.0')).toBe('10.1.255.255')
    const t = interfaceTargets({
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true, mac: '', cidr: null }],
      eth0: [
        { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', internal: false, mac: '', cidr: null },
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false, mac: '', cidr: null, scopeid: 2 }
      ]
    })
    expect(t).toEqual([{ host: '192.168.1.255', dialHost: '192.168.1.20' }, { host: 'ff02::1%eth0', dialHost: '192.168.1.20' }])
  })
})
