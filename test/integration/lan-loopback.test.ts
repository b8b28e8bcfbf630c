/**
 * LAN discovery without root (issue 19): two daemons with no DHT at all (`--bootstrap none`),
 * each bound to its own loopback address, find each other only through beacons. Broadcast on
 * `lo` reaches nobody, so the beacons go to the two addresses (PSST_LAN_TARGETS) on a port of
 * this file's own (PSST_LAN_PORT). The friend request, the messages and the recovery after
 * kill -9 all run over the LAN path; test/integration/lan-netns.test.ts does the same across
 * network namespaces with real broadcast.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { testHost, type Profile } from '../helpers/psst.js'
import { lanProfile, startSide, befriendOverLan, talk, killAndRecover, type LanSide } from '../helpers/lan.js'
import type { Client } from '../../src/daemon/index.js'

const HOST_A = testHost(240)
const HOST_B = testHost(241)
const LAN_PORT = String(41240 + Number(process.env.PSST_TEST_OCTET ?? 0))

describe('LAN discovery on loopback: no DHT, beacons only', () => {
  let alice: LanSide
  let bob: LanSide
  let carol: Profile | null = null
  let ca: Client
  let cb: Client

  const env = { PSST_LAN_PORT: LAN_PORT, PSST_LAN_TARGETS: `${HOST_A},${HOST_B}` }
  const dump = async (): Promise<string> => [
    `alice: ${JSON.stringify(await ca?.call('status', {}).catch((e) => String(e)))}`,
    `bob: ${JSON.stringify(await cb?.call('status', {}).catch((e) => String(e)))}`,
    `alice log: ${alice.p.log.slice(-2000)}`, `bob log: ${bob.p.log.slice(-2000)}`
  ].join('\n')

  beforeAll(async () => {
    alice = { p: await lanProfile('alice'), env, args: ['--dht-host', HOST_A] }
    bob = { p: await lanProfile('bob'), env, args: ['--dht-host', HOST_B] }
    await startSide(alice)
    await startSide(bob)
    ca = await alice.p.client()
    cb = await bob.p.client()
  })

  afterAll(async () => {
    await alice?.p.teardown()
    await bob?.p.teardown()
    await carol?.teardown()
  })

  it('there is no DHT: neither daemon knows a single node', async () => {
    for (const c of [ca, cb]) {
      const s = await c.call('status', {})
      expect(s.network.bootstrap).toBe('none')
      expect(s.dht.state).not.toBe('online')
    }
  })

  it('a friend request reaches bob by his ID alone, and his accept reaches alice', async () => {
    await befriendOverLan(alice, bob, dump)
    for (const c of [ca, cb]) {
      const counters = (await c.call('status', {})).counters
      expect(counters['lan-beacons-sent']).toBeGreaterThan(0)
      expect(counters['lan-beacons-matched']).toBeGreaterThan(0)
    }
  })

  it('messages both ways arrive in order, delivered', async () => {
    await talk(ca, alice.p, cb, bob.p, 20, 'lan-lo')
  })

  it('kill -9 bob: he comes back, they find each other again, and what alice sent meanwhile arrives', async () => {
    await killAndRecover(alice, bob, dump)
    cb = await bob.p.client()
    await talk(ca, alice.p, cb, bob.p, 5, 'after-restart')
  })

  it('psst config set lan off: the daemon neither beacons nor listens for beacons', async () => {
    carol = await lanProfile('carol')
    const set = await carol.cli(['config', 'set', 'lan', 'off'])
    expect(set.code, set.stderr).toBe(0)
    expect((await carol.json<{ lan: boolean }>(['config'])).lan).toBe(false)
    await startSide({ p: carol, env, args: ['--dht-host', testHost(242)] })
    expect(carol.log).toMatch(/listening as/)
    expect(carol.log).not.toMatch(/LAN discovery on port/)
    const c = await carol.client()
    expect((await c.call('status', {})).network.lan).toBe(false)
    // Alice's beacons go to her and bob's addresses only; one to carol's would find no socket.
    expect(alice.p.log).toMatch(new RegExp(`LAN discovery on port ${LAN_PORT}`))
  })
})
