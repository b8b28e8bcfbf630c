/**
 * Offline delivery through a relay's mailbox (issue 7): the relay is the ONLY bootstrap, on its own
 * loopback address; bob's mail waits at the relay while both he and alice are offline, and arrives
 * once, in order; alice sees it delivered when she comes back. The relay's files hold no plaintext.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { testHost, waitFor, type Profile } from '../helpers/psst.js'
import { RelayProcess, relayNet, makeProfile, startWith, befriend } from '../helpers/relay.js'

const HOST = testHost(60)
const N = 100

describe('relay mailbox: offline delivery', () => {
  let relay: RelayProcess
  let alice: Profile
  let bob: Profile
  const marker = randomBytes(6).toString('hex')
  const texts = Array.from({ length: N }, (_, i) => `offline ${marker} message #${String(i + 1).padStart(3, '0')}`)

  beforeAll(async () => {
    relay = await new RelayProcess({ host: HOST }).start()
    const net = relayNet(relay)
    alice = await makeProfile(net, 'alice')
    bob = await makeProfile(net, 'bob')
    await startWith(alice)
    await startWith(bob)
  })

  afterAll(async () => {
    await alice?.teardown()
    await bob?.teardown()
    await relay?.teardown()
  })

  it('a profile bootstraps from the relay alone and reaches a friend', async () => {
    const { ca } = await befriend(alice, bob)
    const sent = await ca.call('send', { friend: bob.publicKey, text: 'direct hello' })
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: sent.seq, timeoutMs: 20_000 })).delivered).toBe(true)
  })

  it('bob registers the relay as his mailbox and alice learns it', async () => {
    const cb = await bob.client()
    await cb.call('mailboxSet', { relay: relay.publicKey })
    await waitFor(async () => (await relay.status()).owners === 1, 'bob registered at the relay')
    const ca = await alice.client()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.mailbox === relay.publicKey, 'alice sees bob\'s mailbox')
  })

  it('messages sent while bob is offline wait at the relay, sealed', async () => {
    await bob.stop()
    const ca = await alice.client()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online === false, 'alice sees bob offline')
    const results = await ca.call('sendMany', { friend: bob.publicKey, texts })
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 2))
    await waitFor(async () => (await relay.status()).held === N, `${N} envelopes held at the relay`, 30_000).catch(async (err) => {
      console.log(JSON.stringify(await relay.status()), JSON.stringify((await ca.call('status', {})).counters), alice.log.slice(-3000), relay.log)
      throw err
    })
    await alice.stop()
    const files = relay.files()
    expect(files.includes(Buffer.from(marker))).toBe(false)
    for (const t of texts) expect(files.includes(Buffer.from(t))).toBe(false)
  })

  it('bob comes back alone and has all of them, in order, exactly once', async () => {
    await startWith(bob)
    const cb = await bob.client()
    const mine = async (): Promise<string[]> => (await cb.call('history', { friend: alice.publicKey, limit: 1000 }))
      .filter((h) => h.from === alice.publicKey).map((h) => h.text)
    await waitFor(async () => (await mine()).length >= N + 1, 'bob has the mailbox messages', 30_000)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(await mine()).toEqual(['direct hello', ...texts])
    expect((await cb.call('status', {})).counters['mailbox-stored']).toBe(N)
    await waitFor(async () => (await relay.status()).held === 0, 'the relay deleted what bob stored')
  })

  it('alice, back online, sees them delivered', async () => {
    await startWith(alice)
    const ca = await alice.client()
    await waitFor(async () => {
      const h = await ca.call('history', { friend: bob.publicKey, limit: 1000 })
      return h.length === N + 1 && h.every((e) => e.state === 'delivered')
    }, 'all delivered at alice', 30_000)
    const cb = await bob.client()
    const h = await cb.call('history', { friend: alice.publicKey, limit: 1000 })
    expect(h.length).toBe(N + 1)
  })

  it('mail that arrives both ways (mailbox and direct) shows once', async () => {
    await bob.stop()
    const ca = await alice.client()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online === false, 'alice sees bob offline')
    const more = Array.from({ length: 20 }, (_, i) => `both ways ${marker} #${i}`)
    const sent = await ca.call('sendMany', { friend: bob.publicKey, texts: more })
    await waitFor(async () => (await relay.status()).held === more.length, 'deposited', 30_000)
    await startWith(bob)
    const cb = await bob.client()
    const last = sent[sent.length - 1].seq
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: last, timeoutMs: 30_000 })).delivered).toBe(true)
    await waitFor(async () => (await relay.status()).held === 0, 'the relay drained')
    const h = (await cb.call('history', { friend: alice.publicKey, limit: 1000 })).filter((e) => e.from === alice.publicKey)
    expect(h.map((e) => e.text)).toEqual(['direct hello', ...texts, ...more])
    expect(new Set(h.map((e) => e.id)).size).toBe(h.length)
  })
})
