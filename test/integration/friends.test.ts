import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'

/** Issue 4: friend requests, presence, nospam, block/remove, kill -9 — real daemons. */
describe('friends across real daemons', () => {
  let net: TestNet
  beforeAll(async () => { net = await TestNet.start(20) })
  afterAll(async () => { await net?.teardown() })

  const online = async (p: Profile, key: string): Promise<boolean | undefined> => {
    const friends = await (await p.client()).call('friends', {})
    return friends.find((f) => f.publicKey === key)?.online
  }

  it('add → request seen → accept → both online, via the CLI', async () => {
    const alice = await net.profile('alice')
    const bob = await net.profile('bob')
    const add = await alice.cli(['add', bob.id, 'hello', 'bob', '--json'])
    expect(add.code, add.stderr).toBe(0)
    expect(JSON.parse(add.stdout)).toMatchObject({ publicKey: bob.publicKey, state: 'request-sent' })
    const reqs = await waitFor(async () => {
      const r = await bob.json<any[]>(['requests'])
      return r.length > 0 ? r : null
    }, 'request at bob')
    expect(reqs).toEqual([expect.objectContaining({ publicKey: alice.publicKey, name: 'alice', message: 'hello bob' })])
    const acc = await bob.cli(['accept', alice.publicKey.slice(0, 10)])
    expect(acc.code, acc.stderr).toBe(0)
    await waitFor(async () => (await online(alice, bob.publicKey)) && (await online(bob, alice.publicKey)), 'both online')
    const friends = await alice.json<any[]>(['friends'])
    expect(friends[0]).toMatchObject({ publicKey: bob.publicKey, name: 'bob', online: true, status: 'online', statusMessage: '' })
    expect(typeof friends[0].lastSeen).toBe('number')
    expect(await bob.json<any[]>(['requests'])).toEqual([])

    // presence propagates at once
    expect((await bob.cli(['nick', 'robert'])).code).toBe(0)
    expect((await bob.cli(['status', 'away', 'at', 'lunch'])).code).toBe(0)
    await waitFor(async () => {
      const f = (await alice.json<any[]>(['friends']))[0]
      return f.name === 'robert' && f.status === 'away' && f.statusMessage === 'at lunch'
    }, 'presence at alice')
  })

  it('a request sent while the recipient is offline arrives when it comes up', async () => {
    const carol = await net.profile('carol')
    const dave = await net.profile('dave', { start: false })
    expect((await carol.cli(['add', dave.id])).code).toBe(0)
    await new Promise((r) => setTimeout(r, 1500))
    await dave.start()
    await waitFor(async () => (await dave.json<any[]>(['requests'])).length === 1, 'request at dave', 40_000)
    // adding someone who already asked makes both friends at once
    const add = await dave.json<any>(['add', carol.id])
    expect(add.state).toBe('friends')
    await waitFor(async () => (await online(carol, dave.publicKey)) && (await online(dave, carol.publicKey)), 'carol and dave online')
  })

  it('wrong nospam is never stored; nospam --new retires the old ID but keeps friends', async () => {
    const erin = await net.profile('erin')
    const frank = await net.profile('frank')
    const grace = await net.profile('grace')
    await net.friends(erin, frank)
    const oldId = erin.id
    const rotated = await erin.json<any>(['nospam', '--new'])
    expect(rotated.publicKey).toBe(erin.publicKey)
    expect(rotated.id).not.toBe(oldId)
    expect(rotated.id.slice(64, 72)).not.toBe(oldId.slice(64, 72))
    // grace uses the old ID: its request key is listened on no more, so nothing even reaches erin
    // (docs/design.md, Presence privacy); before, erin's daemon dropped it as a bad nospam
    expect((await grace.cli(['add', oldId])).code).toBe(0)
    await new Promise((r) => setTimeout(r, 3000))
    expect(await erin.json<any[]>(['requests'])).toEqual([])
    const counters = (await erin.json<any>(['daemon', 'status'])).counters
    expect(counters['bad-nospam'] ?? 0).toBe(0)
    // frank (already a friend) still connects after erin restarts
    await erin.stop()
    await erin.start()
    await waitFor(async () => online(frank, erin.publicKey), 'frank sees erin again', 30_000)
    // the new ID works
    const henry = await net.profile('henry')
    expect((await henry.cli(['add', rotated.id])).code).toBe(0)
    await waitFor(async () => (await erin.json<any[]>(['requests'])).some((r) => r.publicKey === henry.publicKey), 'henry request via new id', 30_000)
  }, 120_000)

  it('block refuses a key; remove forgets a friend', async () => {
    const ivan = await net.profile('ivan')
    const judy = await net.profile('judy')
    await net.friends(ivan, judy)
    expect((await ivan.cli(['block', judy.publicKey])).code).toBe(0)
    expect(await ivan.json<any[]>(['friends'])).toEqual([])
    await waitFor(async () => (await online(judy, ivan.publicKey)) === false, 'judy sees ivan offline')
    // judy's redials find nothing: ivan's device key was replaced when she was removed, and his
    // pointer for her names the old one; ivan never shows online for her again
    await new Promise((r) => setTimeout(r, 4000))
    expect(await online(judy, ivan.publicKey)).toBe(false)
    // judy removes ivan
    expect((await judy.cli(['remove', ivan.publicKey.slice(0, 12)])).code).toBe(0)
    expect(await judy.json<any[]>(['friends'])).toEqual([])
    // unblock, and a new request from judy gets through
    expect((await ivan.cli(['unblock', judy.publicKey])).code).toBe(0)
    expect((await judy.cli(['add', ivan.id])).code).toBe(0)
    await waitFor(async () => (await ivan.json<any[]>(['requests'])).length === 1, 'request after unblock', 30_000)
  })

  it('kill -9 of a daemon: the friend sees it offline; restarted, it is online again by itself', async () => {
    const kim = await net.profile('kim')
    const leo = await net.profile('leo')
    await net.friends(kim, leo)
    await leo.kill9()
    await waitFor(async () => (await online(kim, leo.publicKey)) === false, 'kim sees leo offline', 30_000)
    await leo.start()
    await waitFor(async () => online(kim, leo.publicKey), 'kim sees leo online again', 40_000)
    await waitFor(async () => online(leo, kim.publicKey), 'leo sees kim online again', 40_000)
  })

  it('a second daemon for the same home is refused with the pid', async () => {
    const mia = await net.profile('mia')
    const r = await mia.cli(['daemon'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(new RegExp(`in use by pid ${mia.daemon!.pid}`))
  })
})
