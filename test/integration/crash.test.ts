import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { fullHistory, receivedTexts, range } from '../helpers/history.js'

/**
 * Issue 5, crash safety: `seq 1 5000 | psst send bob --stdin` while daemons are killed with
 * SIGKILL at random moments or the connection is cut. Bob must end with exactly 1..5000 in
 * order, and alice must show all of them delivered.
 */
const N = 5000
const LINES = range(1, N).join('\n') + '\n'
const randomDelay = (): number => 30 + Math.floor(Math.random() * 700)

describe('crash safety with kill -9', () => {
  let net: TestNet
  beforeAll(async () => { net = await TestNet.start(23) })
  afterAll(async () => { await net?.teardown() })

  async function expectAllDelivered (alice: Profile, bob: Profile, round: number): Promise<void> {
    const cb = await bob.client()
    const ca = await alice.client()
    const want = range(1, N * round).map((n) => String(((Number(n) - 1) % N) + 1))
    await waitFor(async () => (await receivedTexts(cb, alice.publicKey)).length >= want.length, `bob has ${want.length}`, 60_000)
    expect(await receivedTexts(cb, alice.publicKey)).toEqual(want)
    await waitFor(async () => (await fullHistory(ca, bob.publicKey)).every((e) => e.state === 'delivered'), 'all delivered at alice', 60_000)
    const mine = (await fullHistory(ca, bob.publicKey)).filter((e) => e.from === 'me')
    expect(mine.map((e) => e.text)).toEqual(want)
  }

  it('receiver killed mid-stream and restarted (random kill points)', { timeout: 150_000 }, async () => {
    const alice = await net.profile('alice-r')
    const bob = await net.profile('bob-r')
    await net.friends(alice, bob)
    for (let round = 1; round <= 3; round++) {
      const sending = alice.cli(['send', bob.publicKey, '--stdin'], { input: LINES, timeoutMs: 60_000 })
      await new Promise((r) => setTimeout(r, randomDelay()))
      await bob.kill9()
      await bob.start()
      const r = await sending
      expect(r.code, r.stderr).toBe(0)
      await expectAllDelivered(alice, bob, round)
    }
  })

  it('sender daemon killed mid-stream; the CLI restarts it and resumes without loss or duplicates', { timeout: 150_000 }, async () => {
    const alice = await net.profile('alice-s', { start: false })
    const bob = await net.profile('bob-s')
    expect((await alice.cli(['daemon', '--detach'])).code).toBe(0)
    await net.friends(alice, bob)
    const cb = await bob.client()
    for (let round = 1; round <= 3; round++) {
      const t0 = Date.now()
      const base = (round - 1) * N
      const killAt = base + 200 + Math.floor(Math.random() * 3600)
      let finished = false
      const sending = alice.cli(['send', bob.publicKey, '--stdin'], { input: LINES, timeoutMs: 90_000 })
      void sending.then(() => { finished = true })
      // Kill while messages flow: once bob holds a random number of this round's messages.
      await waitFor(async () => finished || (await cb.call('history', { friend: alice.publicKey, limit: 1 }))[0]?.index >= killAt, 'messages flowing', 30_000, 5)
      const pid = Number(readFileSync(join(alice.home, 'daemon.pid'), 'utf8'))
      process.kill(pid, 'SIGKILL')
      const r = await sending
      expect(r.code, r.stderr).toBe(0)
      // If the CLI had already finished, the next command would start the daemon: do that.
      if (finished && (await alice.cli(['daemon', 'status', '--json'])).code === 3) expect((await alice.cli(['daemon', '--detach'])).code).toBe(0)
      const t1 = Date.now()
      await expectAllDelivered(alice, bob, round)
      if (process.env.PSST_TEST_TIMING) console.log(`round ${round}: send ${t1 - t0} ms, delivered ${Date.now() - t1} ms, killed at ${killAt - base}`)
    }
  })

  it('connection cut repeatedly while messages flow', async () => {
    const alice = await net.profile('alice-c')
    const bob = await net.profile('bob-c')
    await net.friends(alice, bob)
    const ca = await alice.client()
    const sending = alice.cli(['send', bob.publicKey, '--stdin'], { input: LINES, timeoutMs: 60_000 })
    let cuts = 0
    let done = false
    void sending.then(() => { done = true })
    while (!done || cuts < 5) {
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 150)))
      cuts += (await ca.call('reconnect', {})).dropped
      if (cuts >= 20) break
    }
    expect(cuts).toBeGreaterThan(0)
    expect((await sending).code).toBe(0)
    await expectAllDelivered(alice, bob, 1)
  })
})
