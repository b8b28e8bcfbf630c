/**
 * Unbounded growth (issue 15, item 8): a control client that sends without reading cannot
 * grow the daemon's memory; a friend's flood is slowed to a bounded rate without losing a
 * message; a sender's clock that claims 1970 or next year is replaced by the receive time.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { connect as netConnect } from 'node:net'
import { readFileSync } from 'node:fs'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { RawNet, RawFriend, type RawConn } from '../helpers/raw-peer.js'
import { paths } from '../../src/storage/home.js'
import { randomBytes } from '../../src/crypto/identity.js'

let net: TestNet
let raw: RawNet
let alice: Profile
beforeAll(async () => {
  net = await TestNet.start(154)
  raw = await RawNet.create(net.bootstrap)
  alice = await net.profile('alice')
})
afterAll(async () => {
  await raw?.destroy()
  await net?.teardown()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const rssMiB = (p: Profile): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.daemon!.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
const message = (seq: number, body: string, sentAt = Date.now()): Parameters<RawConn['send']>[0] =>
  ({ type: 'message', id: randomBytes(16), seq, sentAt, kind: 'text', body })

async function rawFriendOfAlice (name: string): Promise<{ friend: RawFriend, conn: RawConn }> {
  const friend = await RawFriend.start(raw, name)
  expect((await alice.cli(['add', friend.id(), 'hi', '--no-autostart'])).code).toBe(0)
  const conn = await friend.ready()
  return { friend, conn }
}

describe('bounds', () => {
  it('a control client that never reads its replies does not grow the daemon', async () => {
    const before = rssMiB(alice)
    const socket = netConnect(paths.socket(alice.home))
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.pause()
    const line = Buffer.from(JSON.stringify({ id: 1, method: 'status', params: {} }) + '\n')
    // ~300 000 requests whose replies are ~150 MB of JSON.
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line))
    for (let i = 0; i < 300; i++) socket.write(chunk)
    await sleep(5000)
    const grown = rssMiB(alice) - before
    socket.destroy()
    expect(grown).toBeLessThan(60)
    // And it still answers everyone else.
    expect((await (await alice.client()).call('status', {})).running).toBe(true)
  })

  it('a sender time of 1970 or next year is replaced by the time it arrived', async () => {
    const { friend, conn } = await rawFriendOfAlice('clocky')
    const t0 = Date.now()
    conn.send(message(1, 'from 1970', 0))
    conn.send(message(2, 'from next year', Date.now() + 365 * 24 * 3600 * 1000))
    conn.send(message(3, 'on time', t0 - 60_000))
    const c = await alice.client()
    await waitFor(async () => (await c.call('history', { friend: friend.publicHex, limit: 10 })).length === 3, 'three stored')
    const t1 = Date.now()
    const h = await c.call('history', { friend: friend.publicHex, limit: 10 })
    expect(h[0].sentAt).toBeGreaterThanOrEqual(t0)
    expect(h[0].sentAt).toBeLessThanOrEqual(t1)
    expect(h[1].sentAt).toBeLessThanOrEqual(t1)
    expect(h[2].sentAt).toBe(t0 - 60_000)
  })

  it('a flood of 60 KB messages is slowed down, with one notice, and every message is stored once, in order', { timeout: 120_000 }, async () => {
    const { friend, conn } = await rawFriendOfAlice('flooder')
    const c = await alice.client()
    const warnings: string[] = []
    await c.subscribe((e: any) => warnings.push(e.message), ['warning'])
    const N = 600
    const body = (n: number): string => `${n} `.padEnd(60_000, 'x')
    for (let i = 1; i <= N; i++) conn.send(message(i, body(i)))
    await waitFor(async () => (await c.call('history', { friend: friend.publicHex, limit: 1 }))[0]?.seq === N, 'all stored', 110_000, 200).catch((err) => { throw new Error(`${(err as Error).message}\n${alice.log.slice(-3000)}`) })
    // Pages of 100: a reply line is bounded (32 MiB) and 600 × 60 KB is more.
    const h: any[] = []
    for (let before: number | undefined; ;) {
      const page = await c.call('history', { friend: friend.publicHex, limit: 100, ...(before !== undefined ? { before } : {}) })
      if (page.length === 0) break
      h.unshift(...page)
      before = page[0].index
    }
    expect(h.map((e) => e.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1))
    expect(h.every((e, i) => e.text === body(i + 1))).toBe(true)
    expect((await c.call('status', {})).counters['intake-throttled']).toBeGreaterThan(0)
    expect(warnings.filter((w) => /flooder sends messages faster/.test(w))).toHaveLength(1)
  })
})
