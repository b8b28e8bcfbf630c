/**
 * Friend-request floods and request hygiene against real daemons (docs/reliability.md, cases 10–12,
 * policy 3 and 5; issue 15): raw hyperdht peers with random key pairs send bare `friendRequest`
 * frames. The daemon admits each stranger key once per 2 s, with no shared budget (a flood must
 * not keep a real request out: request-flood.test.ts); the pending set stays at 100 by evicting
 * the oldest request of the flood, and the user is told once.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { RawNet, type KeyPair } from '../helpers/raw-peer.js'
import type { Client, PsstEvent } from '../../src/daemon/index.js'


const CAP = 100

let net: TestNet

beforeAll(async () => { net = await TestNet.start(41) })
afterAll(async () => { await net?.teardown() })

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const nospamOf = (id: string): Buffer => Buffer.from(id.slice(64, 72), 'hex')
const hexOf = (kp: KeyPair): string => kp.publicKey.toString('hex')
const rssKiB = (p: Profile): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.daemon!.pid}/status`, 'utf8'))?.[1] ?? 0)

type Outcome = 'processed' | 'refused'

/**
 * One attempt: dial as `kp`, send a friendRequest, and wait for the daemon to close the link
 * (it does once it has handled the request, stored or not). A firewall refusal is silent: the
 * dial times out.
 */
async function requestOnce (raw: RawNet, target: Profile, kp: KeyPair, nospam: Buffer, dialMs = 3000): Promise<Outcome> {
  let conn
  try {
    // on the request key of the ID this nospam makes (docs/design.md, Presence privacy)
    conn = await raw.dial(RawNet.requestKeyFor(target.publicKey, nospam), { keyPair: kp, timeoutMs: dialMs })
  } catch {
    return 'refused'
  }
  try {
    if (!(await conn.openChannel(5000))) return 'refused'
    conn.send({ type: 'friendRequest', nospam, message: `please, I am ${hexOf(kp).slice(0, 8)}`, name: `req-${hexOf(kp).slice(0, 6)}` })
    return (await conn.waitClosed(8000)) ? 'processed' : 'refused'
  } finally {
    conn.destroy()
  }
}

/** Retries (like psst's own request queue) until the daemon took the request or `stop()` says so. */
async function persist (raw: RawNet, target: Profile, kp: KeyPair, nospam: Buffer, stop: () => boolean): Promise<boolean> {
  while (!stop()) {
    if (await requestOnce(raw, target, kp, nospam) === 'processed') return true
    await sleep(300 + Math.random() * 700)
  }
  return false
}

/** Events of a daemon, collected from a subscription. */
async function collect (p: Profile): Promise<{ client: Client, events: PsstEvent[] }> {
  const client = await p.client()
  const events: PsstEvent[] = []
  await client.subscribe((e) => { events.push(e) })
  return { client, events }
}

describe('friend-request limits on a real daemon', () => {
  it.concurrent('20, then 150 keys at once: the daemon stays responsive, 100 pending at most, the first 20 kept, ONE warning', async ({ expect }) => {
    const target = await net.profile('flooded')
    const { client, events } = await collect(target)
    const raw = await RawNet.create(net.bootstrap)
    const nospam = nospamOf(target.id)
    const rss0 = rssKiB(target)
    let stopped = false
    // Probe: the control socket must keep answering while the flood goes on.
    const latencies: number[] = []
    const probe = (async () => {
      while (!stopped) {
        const t = performance.now()
        await client.call('status', {})
        latencies.push(performance.now() - t)
        await sleep(100)
      }
    })()
    try {
      const first = Array.from({ length: 20 }, () => RawNet.keyPair())
      const ok1 = await Promise.all(first.map((kp) => persist(raw, target, kp, nospam, () => stopped)))
      expect(ok1.every(Boolean)).toBe(true)
      let reqs = await client.call('requests', {})
      expect(reqs.map((r) => r.publicKey).sort()).toEqual(first.map(hexOf).sort())
      // 20 strangers within 10 s is not a flood yet (more than 30 is)
      expect((await client.call('status', {})).requestFlood).toBeUndefined()

      const second = Array.from({ length: 150 }, () => RawNet.keyPair())
      const flood = second.map((kp) => persist(raw, target, kp, nospam, () => stopped))
      // until the cap is reached and a few more came in, each evicting the oldest of the flood
      await waitFor(async () => ((await client.call('status', {})).counters['requests-evicted'] ?? 0) >= 5, 'requests evicted over the cap', 55_000, 250)
      stopped = true
      await Promise.all(flood)
      await probe

      reqs = await client.call('requests', {})
      expect(reqs).toHaveLength(CAP)
      expect(new Set(reqs.map((r) => r.publicKey)).size).toBe(CAP)
      // requests from before the flood stay: the flood's own oldest are evicted
      for (const kp of first) expect(reqs.some((r) => r.publicKey === hexOf(kp))).toBe(true)
      expect((await client.call('status', {})).requestFlood).toBeDefined()
      const warnings = events.filter((e) => e.type === 'warning' && /friend requests/.test(e.message))
      expect(warnings).toHaveLength(1)
      expect((warnings[0] as { message: string }).message).toMatch(/nospam/)
      const requestEvents = events.filter((e) => e.type === 'friend-request') as Array<{ publicKey: string }>
      // every request that came in was announced, also those evicted later
      expect(requestEvents.length).toBeGreaterThanOrEqual(CAP + 5)
      expect(new Set(requestEvents.map((e) => e.publicKey)).size).toBe(requestEvents.length)
      // the flood did not make the daemon unresponsive, nor grow without bound
      latencies.sort((a, b) => a - b)
      const p50 = latencies[Math.floor(latencies.length / 2)]
      const max = latencies[latencies.length - 1]
      console.log(`control-socket status during the flood: ${latencies.length} calls, p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms; RSS +${((rssKiB(target) - rss0) / 1024).toFixed(1)} MiB; counters ${JSON.stringify((await client.call('status', {})).counters)}`)
      expect(max).toBeLessThan(3000)
      expect(rssKiB(target) - rss0).toBeLessThan(150 * 1024)
      const cli = await target.json<any>(['daemon', 'status'])
      expect(cli.running).toBe(true)
    } finally {
      stopped = true
      await probe.catch(() => {})
      await raw.destroy()
    }
  }, 90_000)

  it.concurrent('one key repeating its request; a declined key, also after a restart; an old nospam', async ({ expect }) => {
    const carol = await net.profile('carol')
    let { client, events } = await collect(carol)
    const raw = await RawNet.create(net.bootstrap)
    try {
      // One key, a request every second: one pending entry, one notification.
      const k = RawNet.keyPair()
      const attempts: Array<Promise<Outcome>> = []
      for (let i = 0; i < 7; i++) {
        attempts.push(requestOnce(raw, carol, k, nospamOf(carol.id), 1500))
        await sleep(1000)
      }
      const outcomes = await Promise.all(attempts)
      // the per-key rate limit lets about every other one in; at least two were handled
      expect(outcomes.filter((o) => o === 'processed').length).toBeGreaterThanOrEqual(2)
      let reqs = await client.call('requests', {})
      expect(reqs.map((r) => r.publicKey)).toEqual([hexOf(k)])
      expect(events.filter((e) => e.type === 'friend-request')).toHaveLength(1)

      // Declined: not re-prompted …
      const dec = await carol.cli(['decline', hexOf(k)])
      expect(dec.code, dec.stderr).toBe(0)
      expect(await client.call('requests', {})).toEqual([])
      await requestOnce(raw, carol, k, nospamOf(carol.id), 1500)
      await sleep(2100)
      await requestOnce(raw, carol, k, nospamOf(carol.id), 1500)
      expect(await client.call('requests', {})).toEqual([])
      expect(events.filter((e) => e.type === 'friend-request')).toHaveLength(1)

      // … also after a restart of the daemon.
      await client.close()
      await carol.stop()
      await carol.start()
      ;({ client, events } = await collect(carol))
      for (let i = 0; i < 2; i++) {
        await requestOnce(raw, carol, k, nospamOf(carol.id), 1500)
        await sleep(2100)
      }
      expect(await client.call('requests', {})).toEqual([])
      expect(events.filter((e) => e.type === 'friend-request')).toEqual([])

      // An old nospam after `nospam --new` reaches nothing (its request key is not listened on);
      // the new ID works.
      const oldId = carol.id
      const rotated = await carol.json<any>(['nospam', '--new'])
      expect(rotated.id).not.toBe(oldId)
      const before = (await client.call('status', {})).counters['bad-nospam'] ?? 0
      const stale = RawNet.keyPair()
      expect(await requestOnce(raw, carol, stale, nospamOf(oldId))).toBe('refused')
      expect(await client.call('requests', {})).toEqual([])
      expect(events.filter((e) => e.type === 'friend-request' || e.type === 'warning')).toEqual([])
      expect((await client.call('status', {})).counters['bad-nospam'] ?? 0).toBe(before)
      await sleep(2100)
      expect(await requestOnce(raw, carol, stale, nospamOf(rotated.id))).toBe('processed')
      reqs = await client.call('requests', {})
      expect(reqs.map((r) => r.publicKey)).toEqual([hexOf(stale)])
      expect(events.filter((e) => e.type === 'friend-request').map((e) => (e as { publicKey: string }).publicKey)).toEqual([hexOf(stale)])
    } finally {
      await raw.destroy()
    }
  }, 90_000)
})
