/**
 * Issue 15, item 8 (growth): history of any size comes back through the control socket. A reply
 * is one JSON line and a client takes at most 32 MiB of it; 600 messages of 60 KB (and JSON
 * writes a control character as 6 bytes) are far more. A page is bounded by bytes and carries the
 * cursor to the next, so `psst history`, `--json`, `psst export` and a client paging backwards
 * or forwards get every message, once, in order. Real daemon, real history on disk.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { MAX_LINE_BYTES } from '../../src/rpc/ndjson.js'
import type { Client, HistoryEntry } from '../../src/daemon/index.js'

const COUNT = 300
const BODY = 60 * 1024

let net: TestNet
let alice: Profile
let bob: Profile
let ca: Client
/** Every fourth message is control characters: 6 bytes each in JSON. */
const sent = Array.from({ length: COUNT }, (_, i) => `#${i} `.padEnd(BODY, i % 4 === 0 ? '\u0001' : String.fromCharCode(97 + (i % 26))))

beforeAll(async () => {
  ({ net, alice, bob, ca } = await TestNet.pair(211))
  // bob offline: alice's messages stay in her history (and outbox); nothing crosses the network.
  await bob.stop()
  await waitFor(async () => (await ca.call('friends', {}))[0]?.online === false, 'alice sees bob offline', 30_000)
  for (let i = 0; i < COUNT; i += 10) await ca.call('sendMany', { friend: bob.publicKey, texts: sent.slice(i, i + 10) })
}, 180_000)
afterAll(async () => { await net?.teardown() })

const texts = (entries: HistoryEntry[]): string[] => entries.map((e) => e.text)

describe('history larger than a control-socket line', () => {
  it('is more than one line could carry', () => {
    const json = sent.reduce((n, t) => n + JSON.stringify(t).length, 0)
    expect(json).toBeGreaterThan(MAX_LINE_BYTES)
  })

  it('pages backwards and forwards through historyPage, each page bounded, nothing twice', async () => {
    const back: HistoryEntry[][] = []
    let before: number | undefined
    for (;;) {
      const page = await ca.call('historyPage', { friend: bob.publicKey, limit: COUNT, ...(before === undefined ? {} : { before }) })
      back.unshift(page.entries)
      if (page.next === null) break
      before = page.next
    }
    expect(back.length).toBeGreaterThan(1)
    expect(back.every((p) => p.length < COUNT)).toBe(true)
    expect(texts(back.flat())).toEqual(sent)

    const forward: HistoryEntry[] = []
    for (let after = -1; ;) {
      const page = await ca.call('historyPage', { friend: bob.publicKey, limit: COUNT, after })
      forward.push(...page.entries)
      if (page.next === null) break
      after = page.next
    }
    expect(texts(forward)).toEqual(sent)
    // The one-call form answers too: the newest that fit.
    const newest = await ca.call('history', { friend: bob.publicKey, limit: COUNT })
    expect(newest.length).toBeGreaterThan(0)
    expect(texts(newest)).toEqual(sent.slice(COUNT - newest.length))
  })

  it('psst history --limit and --json, psst export in both formats: every message once, in order', async () => {
    const json = await alice.cli(['history', bob.publicKey.slice(0, 16), '--limit', String(COUNT), '--json'], { timeoutMs: 120_000 })
    expect(json.code, json.stderr).toBe(0)
    expect(texts(JSON.parse(json.stdout) as HistoryEntry[])).toEqual(sent)

    const last = await alice.json<HistoryEntry[]>(['history', bob.publicKey.slice(0, 16), '--limit', '7'])
    expect(texts(last)).toEqual(sent.slice(-7))

    const text = await alice.cli(['history', bob.publicKey.slice(0, 16), '--limit', String(COUNT)], { timeoutMs: 120_000 })
    expect(text.code, text.stderr).toBe(0)
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(COUNT)
    lines.forEach((l, i) => expect(l, `line ${i}`).toContain(`#${i} `))

    const doc = await alice.cli(['export', bob.publicKey.slice(0, 16), '--format', 'json'], { timeoutMs: 120_000 })
    expect(doc.code, doc.stderr).toBe(0)
    const parsed = JSON.parse(doc.stdout) as { friend: { name: string }, messages: HistoryEntry[] }
    expect(parsed.friend.name).toBe('bob')
    expect(texts(parsed.messages)).toEqual(sent)
    // Written as JSON.stringify(doc, null, 2) would write it.
    expect(doc.stdout).toBe(JSON.stringify(parsed, null, 2) + '\n')

    const plain = await alice.cli(['export', bob.publicKey.slice(0, 16)], { timeoutMs: 120_000 })
    expect(plain.code, plain.stderr).toBe(0)
    const exported = plain.stdout.trimEnd().split('\n')
    expect(exported).toHaveLength(COUNT)
    exported.forEach((l, i) => expect(l, `line ${i}`).toContain(`#${i} `))
  }, 300_000)
})
