/**
 * Fault injection (issue 15, acceptance): the 1:1 flow runs while a seeded random schedule
 * kills either daemon with SIGKILL, cuts the link, or fills either home's disk (a real tmpfs)
 * and frees it again, for a bounded number of rounds. Every message must end up stored at
 * the receiver exactly once, in order, and at no point may the sender show as delivered a
 * message the receiver does not hold. The seed is printed; PSST_FAULT_SEED replays a run.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'
import { receivedTexts, fullHistory } from '../helpers/history.js'
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs.js'

const why = tmpfsUnavailable()
if (why !== null) console.log(`skipping the fault-injection test: ${why}`)
const maybe = why === null || process.env.CI === 'true' ? describe : describe.skip

const ROUNDS = Number(process.env.PSST_FAULT_ROUNDS ?? 10)
const PER_ROUND = 40
const SEED = Number(process.env.PSST_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31))

/** mulberry32: a small seeded generator, so a failing schedule can be run again. */
function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FAULTS = ['kill-sender', 'kill-receiver', 'cut-link', 'fill-sender-disk', 'fill-receiver-disk'] as const
type Fault = typeof FAULTS[number]
/** Where two lists part, with a little context ('' when equal). */
function firstDifference (got: string[], want: string[]): string {
  let i = 0
  while (i < got.length && i < want.length && got[i] === want[i]) i++
  if (i === got.length && i === want.length) return ''
  return `at ${i} of ${got.length} (want ${want.length}): got ${JSON.stringify(got.slice(Math.max(0, i - 2), i + 4))}, want ${JSON.stringify(want.slice(Math.max(0, i - 2), i + 4))}`
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

maybe('fault injection on the 1:1 flow', () => {
  let net: TestNet
  const disks: Tmpfs[] = []
  beforeAll(async () => {
    disks.push(mountTmpfs(8), mountTmpfs(8))
    net = await TestNet.start(155)
  })
  afterAll(async () => {
    await net?.teardown()
    for (const d of disks) d.unmount()
  })

  it(`${ROUNDS} rounds of random faults: every message stored once, in order, nothing unstored shown delivered`, { timeout: 600_000 }, async () => {
    console.log(`fault-injection seed ${SEED} (PSST_FAULT_SEED=${SEED} replays it), ${ROUNDS} rounds`)
    const random = seeded(SEED)
    const alice = await net.profile('alice', { home: join(disks[0].dir, 'alice') })
    const bob = await net.profile('bob', { home: join(disks[1].dir, 'bob') })
    await net.friends(alice, bob)
    const diskOf = new Map<Profile, Tmpfs>([[alice, disks[0]], [bob, disks[1]]])
    const expected: string[] = []
    const tally = new Map<Fault, number>()
    const session = `fault-${SEED}`
    let txn = 1
    let fullSeen = 0

    /** Sends a batch until the daemon has stored it; txn numbers make a resend skip what was stored. */
    async function sendBatch (texts: string[], first: number): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          // A killed daemon is restarted by inject(); wait for it rather than start a second one.
          if (alice.daemon === null) throw new Error('sender restarting')
          await (await alice.client()).call('sendMany', { friend: bob.publicKey, texts, txn: { session, first } })
          return
        } catch (err) {
          if (attempt > 200) throw err
          await sleep(250)
        }
      }
    }

    async function inject (fault: Fault): Promise<void> {
      await sleep(Math.floor(random() * 300))
      switch (fault) {
        case 'kill-sender': await alice.kill9(); await sleep(Math.floor(random() * 500)); await alice.start(); break
        case 'kill-receiver': await bob.kill9(); await sleep(Math.floor(random() * 500)); await bob.start(); break
        case 'cut-link': await (await alice.client()).call('reconnect', {}).catch(() => {}); break
        case 'fill-sender-disk':
        case 'fill-receiver-disk': {
          const disk = diskOf.get(fault === 'fill-sender-disk' ? alice : bob)!
          const who = fault === 'fill-sender-disk' ? alice : bob
          disk.fill('filler')
          await sleep(500 + Math.floor(random() * 1500))
          const state = (await (await who.client()).call('status', {}).catch(() => null))?.storage?.state
          if (state === 'full') fullSeen++
          disk.free('filler')
          break
        }
      }
    }

    /** The sender's "delivered" never runs ahead of what the receiver holds. */
    async function checkNothingUnstoredDelivered (): Promise<void> {
      if (alice.daemon === null || bob.daemon === null) return
      const mine = (await fullHistory(await alice.client(), bob.publicKey)).filter((e) => e.from === 'me')
      const delivered = mine.filter((e) => e.state === 'delivered').map((e) => e.text)
      const held = await receivedTexts(await bob.client(), alice.publicKey)
      expect(held.slice(0, delivered.length)).toEqual(delivered)
    }

    for (let round = 1; round <= ROUNDS; round++) {
      const fault = FAULTS[Math.floor(random() * FAULTS.length)]
      tally.set(fault, (tally.get(fault) ?? 0) + 1)
      if (process.env.PSST_FAULT_VERBOSE) console.log(`round ${round}: ${fault}`)
      const texts = Array.from({ length: PER_ROUND }, (_, i) => `r${round} m${i + 1}`)
      const first = txn
      txn += texts.length
      expected.push(...texts)
      await Promise.all([sendBatch(texts, first), inject(fault)])
      // A batch refused by a full disk is sent again once the disk has room.
      await sendBatch(texts, first)
      await checkNothingUnstoredDelivered()
    }

    const ca = await alice.client()
    const last = (await fullHistory(ca, bob.publicKey)).filter((e) => e.from === 'me').at(-1)!
    expect((await ca.call('waitDelivered', { friend: bob.publicKey, seq: last.seq, timeoutMs: 120_000 })).delivered).toBe(true)
    const held = await receivedTexts(await bob.client(), alice.publicKey)
    expect(firstDifference(held, expected), 'receiver').toBe('')
    const mine = (await fullHistory(ca, bob.publicKey)).filter((e) => e.from === 'me').map((e) => e.text)
    expect(firstDifference(mine, expected), 'sender').toBe('')
    await checkNothingUnstoredDelivered()
    console.log(`fault-injection seed ${SEED}: ${ROUNDS} rounds, ${expected.length} messages, faults ${JSON.stringify(Object.fromEntries(tally))}, a daemon said disk full in ${fullSeen} of the fills`)
  })
})
