import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import HyperDHT from 'hyperdht'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { requestKeySeed } from '../../src/crypto/meet.js'
import { parseId } from '../../src/crypto/id.js'
import { fromHex } from '../../src/crypto/identity.js'
import { ProfileStore } from '../../src/storage/profile-store.js'

/**
 * Issue 19, part 2 (docs/design.md, Presence privacy): real daemons on a private loopback DHT and
 * a hostile DHT node in this process. With only a public key it finds nothing on the DHT, gets
 * the same answer online or offline and no address; the current full ID reaches the request key;
 * an ID from before `nospam --new`, or any ID while `requests off`, reaches nothing.
 */
describe('presence privacy', () => {
  let net: TestNet
  let hostile: HyperDHT
  beforeAll(async () => {
    await cryptoReady()
    net = await TestNet.start(245)
    hostile = new HyperDHT({ bootstrap: net.network.bootstrap, host: net.network.host })
    await hostile.fullyBootstrapped()
  })
  afterAll(async () => {
    // The hostile node may still hold a refused dial's handshake: it gets a bounded grace.
    await Promise.race([hostile?.destroy({ force: true }), new Promise((r) => setTimeout(r, 5000))])
    await net?.teardown()
  }, 180_000)

  /** How many peers the DHT names as announcing `key` (what anyone can ask). */
  async function announcers (key: Buffer): Promise<number> {
    let found = 0
    for await (const reply of (hostile as any).findPeer(key)) if (reply?.peer != null) found++
    return found
  }

  /** What a stranger's connect to `key` ends in: 'open' (it got a connection, and an address) or the error code. */
  function dialOutcome (key: Buffer): Promise<string> {
    return new Promise((resolve) => {
      const s = hostile.connect(key, { keyPair: HyperDHT.keyPair() })
      let code = 'closed'
      s.on('open', () => { code = 'open'; s.destroy() })
      s.on('error', (err: any) => { if (code !== 'open') code = err?.code ?? String(err) })
      s.on('close', () => resolve(code))
    })
  }

  const requestKey = (id: string): Buffer => {
    const { publicKey, nospam } = parseId(id)
    return HyperDHT.keyPair(requestKeySeed(publicKey, nospam)).publicKey
  }

  const online = async (p: Profile, key: string): Promise<boolean | undefined> =>
    (await (await p.client()).call('friends', {})).find((f) => f.publicKey === key)?.online

  it('with only the public key a stranger finds nothing, online or offline, and never connects', async () => {
    const alice = await net.profile('alice')
    const bob = await net.profile('bob')
    await net.friends(alice, bob)
    const aliceKey = fromHex(alice.publicKey)!
    // The lookup works: the request key (which needs the full ID) is found while alice runs.
    await waitFor(async () => (await announcers(requestKey(alice.id))) > 0, 'request key announced', 60_000)
    const whileOnline = { found: await announcers(aliceKey), dial: await dialOutcome(aliceKey) }
    await alice.stop()
    await waitFor(async () => (await online(bob, alice.publicKey)) === false, 'bob sees alice offline', 60_000)
    const whileOffline = { found: await announcers(aliceKey), dial: await dialOutcome(aliceKey) }
    expect(whileOnline).toEqual({ found: 0, dial: 'PEER_NOT_FOUND' })
    expect(whileOffline).toEqual(whileOnline)
    // A friend still finds her: she meets bob on keys only they can derive.
    await alice.start()
    await waitFor(async () => (await online(bob, alice.publicKey)) && (await online(alice, bob.publicKey)), 'friends meet again', 40_000)
    expect(await announcers(aliceKey)).toBe(0)
    const status = (await alice.json<any>(['daemon', 'status'])).counters
    expect(status['meeting-records-put']).toBeGreaterThan(0)
    // every daemon of this file runs on two shared cores: stopped once its part is done
    await Promise.all([alice.stop(), bob.stop()])
  }, 180_000)

  it('the current ID delivers a request; after nospam --new the old one reaches nothing', async () => {
    const erin = await net.profile('erin')
    const carol = await net.profile('carol')
    expect((await carol.cli(['add', erin.id, 'hi erin'])).code).toBe(0)
    await waitFor(async () => (await erin.json<any[]>(['requests'])).some((r) => r.publicKey === carol.publicKey), 'carol\'s request', 60_000)
    const oldId = erin.id
    const rotated = await erin.json<any>(['nospam', '--new'])
    await waitFor(async () => (await announcers(requestKey(rotated.id))) > 0, 'new request key announced', 60_000)
    await waitFor(async () => (await announcers(requestKey(oldId))) === 0, 'old request key gone', 60_000)
    expect(await dialOutcome(requestKey(oldId))).toBe('PEER_NOT_FOUND')
    const dave = await net.profile('dave')
    expect((await dave.cli(['add', oldId, 'old id'])).code).toBe(0)
    const frank = await net.profile('frank')
    expect((await frank.cli(['add', rotated.id, 'new id'])).code).toBe(0)
    await waitFor(async () => (await erin.json<any[]>(['requests'])).some((r) => r.publicKey === frank.publicKey), 'frank\'s request via the new ID', 30_000)
    // dave has been dialling the old request key all this while
    await new Promise((r) => setTimeout(r, 3000))
    expect((await erin.json<any[]>(['requests'])).map((r) => r.publicKey)).not.toContain(dave.publicKey)
    const counters = (await erin.json<any>(['daemon', 'status'])).counters
    expect(counters['bad-nospam'] ?? 0).toBe(0)
    await Promise.all([erin.stop(), carol.stop(), dave.stop(), frank.stop()])
  }, 180_000)

  it('upgrade: friends from before it reach the identity key until they meet on the new keys, strangers never', async () => {
    const kim = await net.profile('kim')
    const leo = await net.profile('leo')
    await net.friends(kim, leo)
    // kim's profile as it was before this version: no presence record, so leo is in its migration
    // set; leo is away, so nobody meets kim on the new keys for now
    await leo.stop()
    await kim.stop()
    const store = await ProfileStore.open(kim.home, null)
    expect(await store.loadPresence()).not.toBeNull()
    await store.apply([{ type: 'del', sub: 'profile', key: Buffer.from('presence') }])
    await store.close()
    await kim.start()
    const kimKey = fromHex(kim.publicKey)!
    // a stranger is refused on the identity key (friends only), never admitted for a request
    await waitFor(async () => (await announcers(kimKey)) > 0 || undefined, 'identity key announced in the window', 60_000)
    expect(await dialOutcome(kimKey)).not.toBe('open')
    // leo runs this version too: they meet on the device keys, so kim stops announcing her identity
    await leo.start()
    await waitFor(async () => (await online(leo, kim.publicKey)) && (await online(kim, leo.publicKey)), 'friends again', 40_000)
    await waitFor(async () => (await announcers(kimKey)) === 0, 'identity key withdrawn once leo met her on the new keys', 60_000)
    const store2Counters = (await kim.json<any>(['daemon', 'status'])).counters
    expect(store2Counters['refused-not-friend']).toBeGreaterThan(0)
    await Promise.all([kim.stop(), leo.stop()])
  }, 180_000)

  it('requests off closes the ID (kept across a restart); on opens it again', async () => {
    const gina = await net.profile('gina')
    const off = await gina.cli(['requests', 'off'])
    expect(off.code, off.stderr).toBe(0)
    expect(off.stdout).toMatch(/requests are off/)
    await waitFor(async () => (await announcers(requestKey(gina.id))) === 0, 'request key withdrawn', 60_000)
    await gina.stop()
    await gina.start()
    expect(await gina.json<any>(['requests', 'off'])).toEqual({ open: false })
    expect(await announcers(requestKey(gina.id))).toBe(0)
    const hank = await net.profile('hank')
    expect((await hank.cli(['add', gina.id, 'hello?'])).code).toBe(0)
    await new Promise((r) => setTimeout(r, 3000))
    expect(await gina.json<any[]>(['requests'])).toEqual([])
    expect((await gina.cli(['requests'])).stdout).toMatch(/requests are off/)
    expect(await gina.json<any>(['requests', 'on'])).toEqual({ open: true })
    // hank's daemon keeps retrying the request: it arrives once the ID is open
    await waitFor(async () => (await gina.json<any[]>(['requests'])).some((r) => r.publicKey === hank.publicKey), 'hank\'s request after on', 90_000)
    expect((await gina.cli(['requests', 'maybe'])).code).toBe(2)
  }, 180_000)
})
