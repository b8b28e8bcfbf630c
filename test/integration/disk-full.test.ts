/**
 * Disk full (issue 15, item 1): a friend floods messages into a home on a 3 MiB tmpfs. The
 * daemon stays up and says "disk full" (status, event, log), stores nothing it cannot write,
 * acknowledges nothing it did not store, and once space returns it resumes by itself: every
 * message stored exactly once, in order, all marked delivered at the sender. A daemon started on
 * the full disk says "disk full", never "corrupt".
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { fullHistory, receivedTexts } from '../helpers/history.js'
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs.js'

const why = tmpfsUnavailable()
if (why !== null) console.log(`skipping disk-full tests: ${why}`)
const maybe = why === null || process.env.CI === 'true' ? describe : describe.skip

/** A text of about 4 KB that says which message it is. */
const text = (n: number): string => `${n} `.padEnd(4000, String.fromCharCode(97 + n % 26))

maybe('a home on a full disk', () => {
  let net: TestNet
  let disk: Tmpfs
  beforeAll(async () => {
    disk = mountTmpfs(3)
    net = await TestNet.start(152)
  })
  afterAll(async () => {
    await net?.teardown()
    disk?.unmount()
  })

  async function storage (p: Profile): Promise<string> {
    return (await (await p.client()).call('status', {})).storage?.state ?? 'no storage field'
  }

  it('a flood: the daemon stays up, says disk full, acknowledges only what it stored, and resumes by itself', { timeout: 180_000 }, async () => {
    const alice = await net.profile('alice')
    const bob = await net.profile('bob', { home: join(disk.dir, 'bob') })
    await net.friends(alice, bob)
    const ca = await alice.client()
    const cb = await bob.client()
    const events: string[] = []
    await cb.subscribe((e: any) => { events.push(`${e.type}:${e.state ?? ''}:${e.message ?? ''}`) }, ['warning', 'storage' as any])
    // Leave about 400 KB free for bob: the flood below needs three times that (1.2 MB of text).
    const free = disk.fill('rest')
    disk.free('rest')
    disk.fill('filler', Math.max(0, free - 400 * 1024))

    const N = 300
    let lastSeq = 0
    for (let i = 1; i <= N; i += 20) {
      const texts = Array.from({ length: Math.min(20, N - i + 1) }, (_, k) => text(i + k))
      const res = await ca.call('sendMany', { friend: bob.publicKey, texts })
      lastSeq = res[res.length - 1].seq
    }
    await waitFor(async () => (await storage(bob)) === 'full', 'bob says disk full', 60_000)
    expect(bob.daemon!.exitCode).toBeNull()
    expect(bob.log).toMatch(/disk full/i)
    expect(events.some((e) => e.startsWith('storage:full'))).toBe(true)

    // What bob holds is a prefix, stored once, in order; alice shows nothing beyond it delivered.
    const held = await receivedTexts(cb, alice.publicKey).catch(() => null)
    const delivered = (await fullHistory(ca, bob.publicKey)).filter((e) => e.state === 'delivered').length
    expect(delivered).toBeLessThan(N)
    if (held !== null) {
      expect(held).toEqual(Array.from({ length: held.length }, (_, k) => text(k + 1)))
      expect(delivered).toBeLessThanOrEqual(held.length)
    }

    disk.free('filler')
    await waitFor(async () => (await storage(bob)) === 'ok', 'bob resumes by itself', 60_000)
    const { delivered: all } = await ca.call('waitDelivered', { friend: bob.publicKey, seq: lastSeq, timeoutMs: 90_000 })
    expect(all, `bob's log:\n${bob.log.slice(-3000)}`).toBe(true)
    expect(await receivedTexts(cb, alice.publicKey)).toEqual(Array.from({ length: N }, (_, k) => text(k + 1)))
    expect(events.some((e) => e.startsWith('storage:ok'))).toBe(true)
    expect(bob.daemon!.exitCode).toBeNull()
  })

  it('a daemon started on a full disk says disk full, not corrupt; with space back everything is there', { timeout: 120_000 }, async () => {
    const bob = net.profiles.find((p) => p.name === 'bob')!
    const alice = net.profiles.find((p) => p.name === 'alice')!
    await bob.kill9()
    disk.fill('filler2')
    let started = true
    try {
      await bob.start()
    } catch {
      started = false
    }
    const log = bob.log + (() => { try { return readFileSync(join(bob.home, 'daemon.log'), 'utf8') } catch { return '' } })()
    expect(log).not.toMatch(/corrupt/i)
    if (started) expect(await storage(bob)).toBe('full')
    else expect(log).toMatch(/disk full/i)
    await bob.kill9()
    disk.free('filler2')
    await bob.start()
    expect(await storage(bob)).toBe('ok')
    const cb = await bob.client()
    const st = await cb.call('status', {})
    expect(await receivedTexts(cb, alice.publicKey), `${log}\n---\n${bob.log}\n${JSON.stringify(st)}`).toHaveLength(300)
  })
})
