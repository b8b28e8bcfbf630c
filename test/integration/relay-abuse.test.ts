/**
 * Relay abuse and durability (issues 7, 15): only a capability the owner registered may deposit,
 * and a deposit cannot tell an unknown owner from a bad capability; a friend flooding deposits is
 * throttled (others are not); a friend beyond the owner's quota gets an error and nothing already
 * held is lost; a relay restart (clean, and kill -9) loses nothing. Driven with the real mailbox
 * client over real hyperdht.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { testHost, waitFor } from '../helpers/psst.js'
import { RelayProcess } from '../helpers/relay.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, randomBytes, keyPairFromSeed, type KeyPair } from '../../src/crypto/identity.js'
import { depositCapabilitySeed } from '../../src/crypto/seal.js'
import { DhtNode } from '../../src/net/dht-node.js'
import { MailboxClient } from '../../src/mailbox/client.js'
import { sealEnvelope, openEnvelope } from '../../src/mailbox/envelope.js'
import type { HeldItem } from '../../src/wire/mailbox.js'

const HOST = testHost(62)
const RATE = 20
const QUOTA = 64 * 1024

describe('relay: limits and durability', () => {
  let relay: RelayProcess
  let dht: DhtNode
  let owner: KeyPair
  let sender: KeyPair
  const clients: MailboxClient[] = []

  const connect = async (kp: KeyPair): Promise<MailboxClient> => {
    const c = new MailboxClient(dht.connect(Buffer.from(relay.publicKey, 'hex'), kp))
    clients.push(c)
    expect(await c.opened()).toBe(true)
    return c
  }
  /** What a friend deposits with (derived on the friend's side). */
  const capOf = (friend: KeyPair): KeyPair => keyPairFromSeed(depositCapabilitySeed(friend.secretKey, owner.publicKey, owner.publicKey, Buffer.from(relay.publicKey, 'hex')))
  /** What the owner registers for that friend (derived on the owner's side: the same key). */
  const grantFor = (friend: KeyPair): Buffer => keyPairFromSeed(depositCapabilitySeed(owner.secretKey, friend.publicKey, owner.publicKey, Buffer.from(relay.publicKey, 'hex'))).publicKey
  const friends = Array.from({ length: 4 }, () => null as unknown as KeyPair)
  const envelope = (seq: number, size = 100): Buffer => sealEnvelope(sender, owner.publicKey, Buffer.alloc(16), {
    id: randomBytes(16), seq, sentAt: Date.now(), kind: 'text', body: `m${seq} `.padEnd(size, '.')
  })
  const fetchAll = async (c: MailboxClient): Promise<HeldItem[]> => {
    const out: HeldItem[] = []
    for (let after = 0; ;) {
      const page = await c.fetch(after, 256)
      out.push(...page.items)
      if (!page.more || page.items.length === 0) return out
      after = page.items[page.items.length - 1].id
    }
  }

  beforeAll(async () => {
    await cryptoReady()
    owner = generateKeyPair()
    sender = generateKeyPair()
    friends[0] = sender
    for (let i = 1; i < friends.length; i++) friends[i] = generateKeyPair()
    relay = await new RelayProcess({ host: HOST, limits: { depositsPerMinute: RATE, ownerBytes: QUOTA } }).start()
    dht = await DhtNode.create({ bootstrap: [{ host: HOST, port: relay.port }], host: HOST })
  })

  afterAll(async () => {
    for (const c of clients) c.close()
    await dht?.destroy()
    await relay?.teardown()
  })

  it('refuses deposits for an owner that never registered, and for a key the owner did not register, alike', async () => {
    const c = await connect(generateKeyPair())
    const unknownOwner = await c.deposit(generateKeyPair().publicKey, envelope(1))
    const o = await connect(owner)
    expect((await o.register()).code).toBe('ok')
    expect((await relay.status()).owners).toBe(1)
    const badCap = await c.deposit(owner.publicKey, envelope(1))
    // The friend's own identity key is not its capability either.
    const identity = await (await connect(sender)).deposit(owner.publicKey, envelope(1))
    expect([unknownOwner, badCap, identity].map((a) => [a.code, a.value])).toEqual([['refused', 0], ['refused', 0], ['refused', 0]])
    expect((await o.caps(friends.map(grantFor))).code).toBe('ok')
    expect((await relay.status()).capabilities).toBe(friends.length)
    expect((await relay.status()).held).toBe(0)
  })

  it('1 000 deposits from fresh keys fill nothing; the friend\'s message is still accepted', async () => {
    const flood = await Promise.all(Array.from({ length: 40 }, async () => await connect(generateKeyPair())))
    const answers = await Promise.all(Array.from({ length: 1000 }, async (_, i) => await flood[i % flood.length].deposit(owner.publicKey, envelope(i + 1, 4000))))
    expect(new Set(answers.map((a) => a.code))).toEqual(new Set(['refused']))
    expect((await relay.status()).held).toBe(0)
    const friend = await connect(capOf(friends[1]))
    expect((await friend.deposit(owner.publicKey, envelope(1))).code).toBe('ok')
    const o = await connect(owner)
    await o.register()
    const held = await fetchAll(o)
    expect(held.length).toBe(1)
    expect((await o.delete(held.map((i) => i.id))).value).toBe(0)
  })

  it('a capability deposits only for the owner that registered it', async () => {
    const other = generateKeyPair()
    const oc = await connect(other)
    expect((await oc.register()).code).toBe('ok')
    const friend = await connect(capOf(friends[2]))
    expect((await friend.deposit(other.publicKey, envelope(1))).code).toBe('refused')
    // Another owner cannot take over a key someone else registered.
    expect((await oc.caps([grantFor(friends[2])])).value).toBe(0)
    expect((await friend.deposit(owner.publicKey, envelope(1))).code).toBe('ok')
    expect((await oc.unregister()).code).toBe('ok')
  })

  it('a revoked capability (friend removed) is refused like any other key', async () => {
    const o = await connect(owner)
    await o.register()
    expect((await o.caps(friends.slice(0, 3).map(grantFor))).value).toBe(3)
    const removed = await connect(capOf(friends[3]))
    expect((await removed.deposit(owner.publicKey, envelope(1))).code).toBe('refused')
    const held = await fetchAll(o)
    await o.delete(held.map((i) => i.id))
    expect((await relay.status()).held).toBe(0)
  })

  it('throttles a friend that floods deposits, and only that friend', async () => {
    const flooder = await connect(capOf(sender))
    const answers = await Promise.all(Array.from({ length: 100 }, async (_, i) => await flooder.deposit(owner.publicKey, envelope(i + 1))))
    const ok = answers.filter((a) => a.code === 'ok').length
    const limited = answers.filter((a) => a.code === 'rate-limited')
    expect(ok).toBeGreaterThanOrEqual(RATE)
    expect(ok).toBeLessThanOrEqual(RATE + 2)
    expect(limited.length).toBe(100 - ok)
    expect(limited.every((a) => a.value > 0)).toBe(true)
    const other = await connect(capOf(friends[1]))
    expect((await other.deposit(owner.publicKey, envelope(500))).code).toBe('ok')
    const s = await relay.status()
    expect(s.refusedBy['rate-limited']).toBe(100 - ok)
    expect(s.held).toBe(ok + 1)
  })

  it('beyond the owner quota: an error, and nothing held is lost', async () => {
    const o = await connect(owner)
    await o.register()
    const before = await fetchAll(o)
    let code = 'ok'
    for (let i = 0; i < 40 && code === 'ok'; i++) {
      const c = await connect(capOf(friends[1 + (i % 2)]))
      code = (await c.deposit(owner.publicKey, envelope(1000 + i, 4000))).code
    }
    expect(code).toBe('quota')
    const s = await relay.status()
    expect(s.bytes).toBeLessThanOrEqual(QUOTA)
    expect(s.refusedBy.quota).toBe(1)
    const after = await fetchAll(o)
    expect(after.length).toBe(s.held)
    const byId = new Map(after.map((i) => [i.id, i.envelope]))
    for (const item of before) expect(byId.get(item.id)?.equals(item.envelope)).toBe(true)
    for (const item of after) expect(openEnvelope(owner, item.envelope)?.from.equals(sender.publicKey)).toBe(true)
  })

  it('a clean restart and a kill -9 restart lose nothing', async () => {
    const o = await connect(owner)
    await o.register()
    const held = await fetchAll(o)
    const status = await relay.status()
    expect(await relay.stop()).toBe(0)
    await relay.start()
    await restartedSame()
    await relay.kill9()
    await relay.start()
    await restartedSame()

    async function restartedSame (): Promise<void> {
      const s = await relay.status()
      expect([s.publicKey, s.owners, s.held, s.bytes]).toEqual([status.publicKey, status.owners, status.held, status.bytes])
      const o2 = await waitFor(async () => {
        const c = new MailboxClient(dht.connect(Buffer.from(relay.publicKey, 'hex'), owner))
        clients.push(c)
        return (await c.opened()) ? c : null
      }, 'the restarted relay', 30_000)
      expect((await o2.register()).code).toBe('ok')
      const again = await fetchAll(o2)
      expect(again.map((i) => [i.id, i.envelope.toString('hex')])).toEqual(held.map((i) => [i.id, i.envelope.toString('hex')]))
    }
  })

  it('the owner deletes what it stored; others cannot delete it', async () => {
    const o = await connect(owner)
    await o.register()
    const items = await fetchAll(o)
    const stranger = await connect(generateKeyPair())
    await stranger.register()
    await stranger.caps([grantFor(sender)])
    await stranger.delete(items.map((i) => i.id))
    expect((await relay.status()).held).toBe(items.length)
    const answer = await o.delete(items.map((i) => i.id))
    expect(answer).toMatchObject({ code: 'ok', value: 0 })
    expect((await relay.status()).held).toBe(0)
  })
})
