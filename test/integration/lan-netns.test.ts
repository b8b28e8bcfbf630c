/**
 * LAN discovery for real (issue 19): two daemons, each in its own network namespace, on one
 * switch (a bridge) with no uplink, no router and no bootstrap node anywhere: alice runs with no
 * DHT at all (`--bootstrap none`), bob with a bootstrap node in his settings that is not there.
 * Nothing is configured for the LAN: the daemons bind 0.0.0.0 in their namespaces, broadcast their
 * beacons on the default port and find each other from those alone. They befriend by ID (request
 * and accept), talk both ways, and after kill -9 find each other again.
 *
 * Needs root and `ip netns` (test/helpers/netns-lan.ts); skipped with the reason otherwise, except
 * under CI as root, where a missing piece is a failure rather than a silent skip.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { waitFor } from '../helpers/psst.js'
import { lanProfile, startSide, befriendOverLan, talk, killAndRecover, type LanSide } from '../helpers/lan.js'
import { lanNetnsProblem, buildLanNet, destroyLanNet, routesOf, linksOf, type LanNet } from '../helpers/netns-lan.js'
import type { Client } from '../../src/daemon/index.js'
import { spawnSync } from 'node:child_process'

function ipv6On (ns: string): boolean {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'cat', '/proc/sys/net/ipv6/conf/eth0/disable_ipv6'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() === '0'
}

/** On the LAN's subnet, and nobody there. */
const UNREACHABLE = '10.240.0.250'

const problem = lanNetnsProblem()
if (problem !== null) {
  if (process.env.CI !== undefined && process.env.CI !== '' && process.getuid?.() === 0) throw new Error(`lan-netns: CI runs as root but ${problem}`)
  console.warn(`lan-netns.test.ts skipped: ${problem}`)
}

describe.skipIf(problem !== null)('LAN discovery across network namespaces: one switch, no uplink, no DHT', () => {
  let net: LanNet | null = null
  let alice: LanSide
  let bob: LanSide
  let ca: Client
  let cb: Client

  const dump = async (): Promise<string> => [
    `alice: ${JSON.stringify(await ca?.call('status', {}).catch((e) => String(e)))}`,
    `alice log: ${alice.p.log.slice(-2000)}`, `bob log: ${bob.p.log.slice(-2000)}`
  ].join('\n')

  beforeAll(async () => {
    net = buildLanNet()
    // The host's own test settings must not leak in: the default LAN port, broadcast, no targets.
    const env = { PSST_LAN_PORT: '', PSST_LAN_TARGETS: '', PSST_LAN: '' }
    alice = { p: await lanProfile('alice'), env, args: [], netns: net.a.ns }
    // Bob keeps a bootstrap node in his settings that is not there (nothing answers at .250):
    // his DHT tries for 10 s and more, while the LAN finds alice at once.
    bob = { p: await lanProfile('bob', `${UNREACHABLE}:49737`), env, args: [], netns: net.b.ns }
    await startSide(alice)
    await startSide(bob)
    ca = await alice.p.client()
    cb = await bob.p.client()
  })

  afterAll(async () => {
    await alice?.p.teardown()
    await bob?.p.teardown()
    destroyLanNet(net)
  })

  it('nothing leads out: no default route, only the switch port and loopback in each namespace', () => {
    for (const side of [net!.a, net!.b]) {
      expect(routesOf(side.ns)).not.toMatch(/default/)
      expect(linksOf(side.ns).sort()).toEqual(['eth0', 'lo'])
    }
    expect(linksOf(net!.sw).sort()).toEqual(['br0', 'lo', 'port-a', 'port-b'])
  })

  it('a friend request by ID crosses the switch, and the accept comes back', async () => {
    await befriendOverLan(alice, bob, dump)
    const s = await ca.call('status', {})
    expect(s.network.bootstrap).toBe('none')
    expect(s.dht.state).not.toBe('online')
    const sb = await cb.call('status', {})
    expect(sb.network.bootstrap).toBe(`${UNREACHABLE}:49737`)
    expect(sb.dht.state).not.toBe('online')
    expect(s.counters['lan-beacons-matched']).toBeGreaterThan(0)
    expect(s.counters['lan-beacons-heard-ipv4']).toBeGreaterThan(0)
  })

  it('beacons go out on IPv6 too (ff02::1), naming the IPv4 address to dial', async (ctx) => {
    if (!ipv6On(net!.a.ns)) ctx.skip()
    await waitFor(async () => ((await ca.call('status', {})).counters['lan-beacons-heard-ipv6'] ?? 0) > 0, 'a beacon heard over IPv6', 20_000, 250)
  })

  it('messages both ways arrive in order, delivered', async () => {
    await talk(ca, alice.p, cb, bob.p, 20, 'lan-ns')
  })

  it('kill -9 bob: he comes back on the LAN, they reconnect, and what alice sent meanwhile arrives', async () => {
    await killAndRecover(alice, bob, dump)
    cb = await bob.p.client()
    await talk(ca, alice.p, cb, bob.p, 5, 'after-restart')
  })
})
