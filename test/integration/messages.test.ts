import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { TestNet, BIN, waitFor, type Profile } from '../helpers/psst.js'
import { fullHistory, receivedTexts, range } from '../helpers/history.js'
import type { Client } from '../../src/daemon/index.js'

/** Issue 5: messages between two real daemons — order, exactly once, receipts, offline. */
describe('messages between real daemons', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let ca: Client
  let cb: Client
  beforeAll(async () => { ({ net, alice, bob, ca, cb } = await TestNet.pair(22)) })
  afterAll(async () => { await net?.teardown() })

  it('1 000 messages each way, interleaved: all 2 000 on both sides, once each, in order, delivered', async () => {
    const sendAll = async (c: Client, to: string, tag: string): Promise<number> => {
      let last = 0
      for (let chunk = 0; chunk < 10; chunk++) {
        const texts = range(chunk * 100 + 1, chunk * 100 + 100).map((n) => `${tag}${n}`)
        const r = await c.call('sendMany', { friend: to, texts })
        last = r[r.length - 1].seq
        await new Promise((resolve) => setImmediate(resolve))
      }
      return last
    }
    const [lastA, lastB] = await Promise.all([sendAll(ca, bob.publicKey, 'a'), sendAll(cb, alice.publicKey, 'b')])
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: lastA, timeoutMs: 30_000 })).delivered).toBe(true)
    expect((await cb.call('waitDelivered', { friend: alice.publicKey, seq: lastB, timeoutMs: 30_000 })).delivered).toBe(true)
    for (const [c, friend, mine, theirs] of [[ca, bob.publicKey, 'a', 'b'], [cb, alice.publicKey, 'b', 'a']] as const) {
      await waitFor(async () => (await fullHistory(c, friend)).length === 2000, 'all 2000 in history')
      const h = await fullHistory(c, friend)
      expect(h.filter((e) => e.from === 'me').map((e) => e.text)).toEqual(range(1, 1000).map((n) => mine + n))
      expect(h.filter((e) => e.from !== 'me').map((e) => e.text)).toEqual(range(1, 1000).map((n) => theirs + n))
      expect(h.filter((e) => e.from === 'me').every((e) => e.state === 'delivered')).toBe(true)
      expect(new Set(h.map((e) => e.id)).size).toBe(2000)
    }
  })

  it('send via the CLI: --json shape, --wait, --action, history --json', async () => {
    const r = await alice.cli(['send', 'bob', 'hello', 'there', '--wait', '10', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const sent = JSON.parse(r.stdout)
    expect(sent).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), seq: expect.any(Number), state: 'delivered' })
    expect((await alice.cli(['send', 'bob', '--action', 'waves', '--wait', '10'])).code).toBe(0)
    const h = await bob.json<any[]>(['history', 'alice', '--limit', '2'])
    expect(h).toHaveLength(2)
    expect(h[0]).toMatchObject({ id: sent.id, seq: sent.seq, from: alice.publicKey, text: 'hello there', state: 'delivered' })
    expect(h[1]).toMatchObject({ text: 'waves', kind: 'action' })
    expect(typeof h[0].sentAt).toBe('number')
  })

  it('messages sent while the friend is offline arrive in order when it is back; --wait times out with exit 1', async () => {
    await bob.stop()
    const before = (await receivedTexts(await alice.client(), bob.publicKey)).length
    expect(before).toBeGreaterThanOrEqual(0)
    const queued = await alice.cli(['send', 'bob', 'are you there?', '--wait', '1'])
    expect(queued.code).toBe(1)
    expect(queued.stderr).toMatch(/not delivered/)
    const r = await alice.cli(['send', 'bob', '--stdin'], { input: range(1, 50).map((n) => `offline ${n}`).join('\n') + '\n' })
    expect(r.code, r.stderr).toBe(0)
    const states = (await fullHistory(ca, bob.publicKey)).slice(-51)
    expect(states.every((e) => e.state !== 'delivered')).toBe(true)
    await bob.start()
    const cb2 = await bob.client()
    await waitFor(async () => (await receivedTexts(cb2, alice.publicKey)).slice(-51).join('|') ===
      ['are you there?', ...range(1, 50).map((n) => `offline ${n}`)].join('|'), 'offline messages at bob', 40_000)
    await waitFor(async () => (await fullHistory(ca, bob.publicKey)).slice(-51).every((e) => e.state === 'delivered'), 'delivered at alice', 20_000)
  })

  it('psst watch --json --type message prints the message events and nothing else; a bad type is a usage error', async () => {
    const bad = await bob.cli(['watch', '--type', 'message,bogus'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/unknown event type bogus/)
    // Earlier tests restarted the daemons: fresh clients.
    const ca = await alice.client()
    const cb = await bob.client()
    const child = spawn(process.execPath, [BIN, '--home', bob.home, '--bootstrap', net.bootstrap, 'watch', '--json', '--type', 'message'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let out = ''
      child.stdout.on('data', (d) => { out += d })
      // The subscription is live once a first message shows up; then send the ones that count.
      await waitFor(async () => {
        await ca.call('send', { friend: bob.publicKey, text: 'watch warm-up' })
        return out.includes('watch warm-up')
      }, 'watch to be subscribed', 20_000, 300)
      const sent = await ca.call('sendMany', { friend: bob.publicKey, texts: ['w1', 'w2', 'w3'] })
      await ca.call('waitDelivered', { friend: bob.publicKey, seq: sent[2].seq, timeoutMs: 10_000 })
      await cb.call('send', { friend: alice.publicKey, text: 'makes sent and receipt events on bob' })
      await waitFor(() => out.includes('"w3"'), 'w3 in watch output')
      await new Promise((resolve) => setTimeout(resolve, 500))
      const events = out.trim().split('\n').map((l) => JSON.parse(l))
      expect(events.every((e) => e.type === 'message')).toBe(true)
      expect(events.filter((e) => /^w\d$/.test(e.text)).map((e) => e.text)).toEqual(['w1', 'w2', 'w3'])
      expect(events.find((e) => e.text === 'w1')).toMatchObject({ friend: alice.publicKey, from: alice.publicKey, seq: sent[0].seq })
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('typing notifications reach the friend and expire', async () => {
    const cb3 = await bob.client()
    const events: any[] = []
    await cb3.subscribe((e) => { if (e.type === 'typing') events.push(e) })
    await waitFor(async () => (await ca.call('friends', {}))[0].online, 'online')
    await ca.call('typing', { friend: bob.publicKey, typing: true })
    await waitFor(() => events.some((e) => e.typing === true && e.friend === alice.publicKey), 'typing event')
    await waitFor(() => events.some((e) => e.typing === false), 'typing expiry', 15_000)
  })
})
