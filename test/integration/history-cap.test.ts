/**
 * Issue 15, item 8 (growth): a per-friend cap on stored history. A friend who sends without pause
 * cannot fill the disk: past the cap the oldest stored messages are pruned (docs/reliability.md,
 * History caps), never a message just stored and never one of mine still waiting for its receipt;
 * every message is still delivered exactly once and acknowledged only once stored; the user is
 * told once (log, warning event, `psst daemon status`). Real daemons, real caps set with `psst config`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { fullHistory } from '../helpers/history.js'
import type { Client, PsstEvent } from '../../src/daemon/index.js'

const MiB = 1024 * 1024
const BODY = 30 * 1024
const FLOOD = 80

let net: TestNet
let alice: Profile
let bob: Profile
let ca: Client
let cb: Client
beforeAll(async () => { ({ net, alice, bob, ca, cb } = await TestNet.pair(210)) })
afterAll(async () => { await net?.teardown() })

/** Pruning runs in steps: at most a tenth (and one segment) past the cap. */
const within = (texts: string[]): boolean => texts.reduce((n, t) => n + t.length, 0) <= 1.1 * MiB + 64 * 1024

const text = (i: number, size = BODY): string => `#${i} `.padEnd(size, String.fromCharCode(97 + (i % 26)))

/** Sends texts from alice to bob in calls of ten; resolves with the last seq. */
async function sendAll (texts: string[]): Promise<number> {
  let last = 0
  for (let i = 0; i < texts.length; i += 10) {
    const results = await ca.call('sendMany', { friend: bob.publicKey, texts: texts.slice(i, i + 10) })
    last = results[results.length - 1].seq
  }
  return last
}

describe('psst config: history caps', () => {
  it('are shown, set, checked and unset', async () => {
    const shown = await bob.cli(['config'])
    expect(shown.stdout).toMatch(/history-max-bytes\s+\(default: 256 MiB per friend\)/)
    expect(shown.stdout).toMatch(/history-max-messages\s+\(default: no cap\)/)
    for (const bad of [['history-max-bytes', '10'], ['history-max-bytes', 'lots'], ['history-max-messages', '5'], ['history-max-messages', '-3']]) {
      const r = await bob.cli(['config', 'set', ...bad])
      expect(r.code, bad.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/history-max|bad (size|count)/)
    }
    expect((await bob.json(['config', 'set', 'history-max-messages', 'off'])).historyMaxMessages).toBe(0)
    expect((await bob.cli(['config'])).stdout).toMatch(/history-max-messages\s+off \(no cap\)/)
    expect((await bob.json(['config', 'unset', 'history-max-messages'])).historyMaxMessages).toBe(null)
    const set = await bob.json(['config', 'set', 'history-max-bytes', '1MiB'])
    expect(set.historyMaxBytes).toBe(MiB)
    expect((await bob.cli(['config', 'get', 'history-max-bytes'])).stdout.trim()).toBe(String(MiB))
  })
})

describe('a friend who floods past the receiver\'s cap', () => {
  const sent = Array.from({ length: FLOOD }, (_, i) => text(i))
  const warnings: string[] = []

  it('has every message delivered, and the receiver keeps only the newest within the cap', async () => {
    await cb.subscribe((e: PsstEvent) => { if (e.type === 'warning') warnings.push(e.message) }, ['warning'])
    const last = await sendAll(sent)
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: last, timeoutMs: 60_000 })).delivered).toBe(true)
    // Every message alice sees ✓✓ reached bob's disk (she keeps her whole history: her cap is the default).
    const mine = (await fullHistory(ca, bob.publicKey)).filter((e) => e.from === 'me')
    expect(mine.map((e) => e.text)).toEqual(sent)
    expect(mine.every((e) => e.state === 'delivered')).toBe(true)

    const kept = await waitFor(async () => {
      const h = (await fullHistory(cb, alice.publicKey)).map((e) => e.text)
      return h[h.length - 1] === sent[FLOOD - 1] && within(h) ? h : null
    }, 'bob\'s history pruned to its cap', 30_000)
    // The newest messages, in order, none twice: a suffix of what was sent.
    expect(kept).toEqual(sent.slice(FLOOD - kept.length))
    const bytes = kept.reduce((n, t) => n + t.length, 0)
    expect(bytes).toBeLessThanOrEqual(1.1 * MiB + 64 * 1024)
    expect(bytes).toBeGreaterThanOrEqual(MiB - 2 * BODY)
  })

  it('tells bob once: a warning, a log line, daemon status', async () => {
    const status = await cb.call('status', {})
    const entry = status.historyPruned?.find((p) => p.friend === alice.publicKey)
    expect(entry?.name).toBe('alice')
    expect(entry!.messages).toBeGreaterThan(0)
    expect(status.counters['history-pruned']).toBe(entry!.messages)
    const shown = await bob.cli(['daemon', 'status'])
    expect(shown.stdout).toMatch(/history\s+alice: \d+ oldest messages pruned/)
    // More of the same: no second notice.
    const last = await sendAll(Array.from({ length: 40 }, (_, i) => text(FLOOD + i)))
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: last, timeoutMs: 60_000 })).delivered).toBe(true)
    await waitFor(async () => ((await cb.call('status', {})).historyPruned?.[0].messages ?? 0) > entry!.messages, 'pruned again')
    expect(warnings.filter((w) => /history with alice passed its cap/.test(w))).toHaveLength(1)
    expect(bob.log.match(/passed its cap/g)).toHaveLength(1)
    expect(bob.log).not.toMatch(/cannot prune|Unhandled|Error:/)
  })

  it('stays within the cap across a restart', async () => {
    await bob.kill9()
    await bob.start()
    cb = await bob.client()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online, 'bob back online', 30_000)
    const last = await sendAll(Array.from({ length: 40 }, (_, i) => text(FLOOD + 40 + i)))
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: last, timeoutMs: 60_000 })).delivered).toBe(true)
    const newest = text(FLOOD + 79)
    let seen = ''
    const kept = await waitFor(async () => {
      const h = (await fullHistory(cb, alice.publicKey)).map((e) => e.text)
      seen = `${h.length} messages, ${h.reduce((n, t) => n + t.length, 0)} bytes, the last ${h[h.length - 1]?.slice(0, 6)}`
      return h[h.length - 1] === newest && within(h) ? h : null
    }, 'bob\'s history within the cap after the restart', 30_000).catch((err) => { throw new Error(`${(err as Error).message} (${seen})`) })
    expect(kept.length).toBeGreaterThan(20)
    expect(new Set(kept).size).toBe(kept.length)
  })
})

describe('a message cap at the sender', () => {
  it('never prunes a message still waiting for its receipt', async () => {
    expect((await alice.json(['config', 'set', 'history-max-messages', '20'])).historyMaxMessages).toBe(20)
    await bob.stop()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online === false, 'alice sees bob offline', 30_000)
    const queued = Array.from({ length: 50 }, (_, i) => `queued ${i}`)
    const last = await sendAll(queued)
    // Far past the cap, but all 50 wait for bob: all kept, and nothing older than them.
    let seen = 0
    const held = await waitFor(async () => {
      const h = await fullHistory(ca, bob.publicKey)
      seen = h.length
      return h.length === 50 ? h : null
    }, 'alice pruned down to her queued messages', 30_000).catch((err) => { throw new Error(`${(err as Error).message} (she holds ${seen})`) })
    expect(held.map((e) => e.text)).toEqual(queued)
    expect(held.every((e) => e.state !== 'delivered')).toBe(true)

    await bob.start()
    cb = await bob.client()
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: last, timeoutMs: 60_000 })).delivered).toBe(true)
    const got = (await fullHistory(cb, alice.publicKey)).map((e) => e.text)
    expect(got.slice(-50)).toEqual(queued)

    // Once they are acknowledged, the next message lets the cap apply.
    await sendAll(['after'])
    const capped = await waitFor(async () => {
      const h = await fullHistory(ca, bob.publicKey)
      return h.length <= 22 ? h : null
    }, 'alice\'s history down to her cap', 30_000)
    expect(capped.length).toBeGreaterThanOrEqual(20)
    expect(capped.map((e) => e.text)).toEqual([...queued, 'after'].slice(-capped.length))
  })
})
