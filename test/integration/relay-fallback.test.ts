/**
 * The blind-relay fallback (issue 7): two profiles forced through the relay (PSST_FORCE_RELAY=1, a
 * test-only switch that turns holepunching off on both ends) befriend and chat end to end, and the
 * relay's counters show it carried the connection.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { testHost, waitFor, type Profile } from '../helpers/psst.js'
import { RelayProcess, relayNet, makeProfile, startWith, befriend } from '../helpers/relay.js'

const HOST = testHost(61)

describe('relay: blind-relay fallback', () => {
  let relay: RelayProcess
  let alice: Profile
  let bob: Profile

  beforeAll(async () => {
    relay = await new RelayProcess({ host: HOST }).start()
    const env = { PSST_FORCE_RELAY: '1', PSST_RELAY_THROUGH: relay.publicKey }
    const net = relayNet(relay)
    alice = await makeProfile(net, 'alice')
    bob = await makeProfile(net, 'bob')
    await startWith(alice, env)
    await startWith(bob, env)
  })

  afterAll(async () => {
    await alice?.teardown()
    await bob?.teardown()
    await relay?.teardown()
  })

  it('two profiles that may not holepunch befriend and chat through the relay', async () => {
    const { ca, cb } = await befriend(alice, bob)
    expect((await relay.status()).relayed).toBeGreaterThanOrEqual(1)
    const texts = Array.from({ length: 50 }, (_, i) => `through the relay #${i} ${'x'.repeat(1000)}`)
    const sent = await ca.call('sendMany', { friend: bob.publicKey, texts })
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: sent[sent.length - 1].seq, timeoutMs: 20_000 })).delivered).toBe(true)
    const got = (await cb.call('history', { friend: alice.publicKey, limit: 100 })).map((h) => h.text)
    expect(got).toEqual(texts)
    const reply = await cb.call('send', { friend: alice.publicKey, text: 'and back' })
    expect((await cb.call('waitDelivered', { friend: alice.publicKey, seq: reply.seq, timeoutMs: 20_000 })).delivered).toBe(true)
  })

  it('the relay counted the relayed connection and the bytes it carried', async () => {
    const s = await relay.status()
    expect(s.relayed).toBeGreaterThanOrEqual(1)
    expect(s.relayedActive).toBeGreaterThanOrEqual(1)
    // 50 messages of ~1 KB went through it (sealed by Noise; counted on the relay's UDX streams).
    expect(s.relayedBytes).toBeGreaterThan(50_000)
  })

  it('the link survives on the relay (no silent upgrade to a direct path)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const ca = await alice.client()
    const before = (await relay.status()).relayedBytes
    const sent = await ca.call('send', { friend: bob.publicKey, text: 'y'.repeat(20_000) })
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: sent.seq, timeoutMs: 20_000 })).delivered).toBe(true)
    await waitFor(async () => (await relay.status()).relayedBytes >= before + 20_000, 'the relay carried the new message')
    // `psst friends --json` says so too, on both ends.
    for (const c of [ca, await bob.client()]) expect((await c.call('friends', {}))[0].via).toBe('relay')
  })
})
