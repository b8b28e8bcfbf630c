/**
 * Issue 14: re-friending and restored profiles never lose, duplicate or falsely acknowledge a
 * message. Each direction's stream has an id (docs/design.md, Delivery); a remove + re-add, a
 * profile restored from an older copy, and an old mailbox envelope kept by a relay must all end
 * with every message in the other's history exactly once, in order, and no message reported
 * delivered that the other side did not store. Real daemons, real DHT on loopback, real relay.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { cpSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNet, testHost, waitFor, type Profile } from '../helpers/psst.js'
import { RelayProcess, relayNet, makeProfile, startWith, befriend } from '../helpers/relay.js'
import { fullHistory } from '../helpers/history.js'
import type { HistoryEntry } from '../../src/daemon/api.js'

const WAIT_S = 20
/** Each step runs many CLI commands, real processes on a shared machine. */
const STEP_MS = 180_000

/** What one side sent to the other and the other should hold, in order (reset when the receiver forgets). */
class Ledger {
  readonly expected = new Map<string, string[]>()
  key (from: Profile, to: Profile): string { return `${from.publicKey}>${to.publicKey}` }
  list (from: Profile, to: Profile): string[] {
    const k = this.key(from, to)
    if (!this.expected.has(k)) this.expected.set(k, [])
    return this.expected.get(k)!
  }

  forget (from: Profile, to: Profile): void { this.expected.set(this.key(from, to), []) }
}

async function online (p: Profile, key: string): Promise<boolean> {
  const friends = await (await p.client()).call('friends', {})
  return friends.find((f) => f.publicKey === key && f.state === 'friends')?.online === true
}

async function bothOnline (a: Profile, b: Profile): Promise<void> {
  await waitFor(async () => (await online(a, b.publicKey)) && (await online(b, a.publicKey)), `${a.name} and ${b.name} online`, 30_000)
}

/** `psst send --wait` as a user types it: exit 0 means the daemon reported it delivered. */
async function sendWait (from: Profile, to: Profile, text: string, ledger: Ledger): Promise<void> {
  const r = await from.cli(['send', to.publicKey.slice(0, 16), '--wait', String(WAIT_S), text], { timeoutMs: (WAIT_S + 15) * 1000 })
  expect(r.code, `${from.name} → ${to.name} "${text}": ${r.stderr}`).toBe(0)
  ledger.list(from, to).push(text)
  // Reported delivered: it must be on the receiver's disk now.
  const got = await received(to, from)
  expect(got, `"${text}" reported delivered but not in ${to.name}'s history`).toContain(text)
}

async function received (at: Profile, from: Profile): Promise<string[]> {
  return (await fullHistory(await at.client(), from.publicKey)).filter((e) => e.from === from.publicKey).map((e) => e.text)
}

/** Both histories hold exactly what the ledger says, in order, once; every ✓✓ at a sender is stored at the receiver. */
async function checkBoth (a: Profile, b: Profile, ledger: Ledger): Promise<void> {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const want = ledger.list(from, to)
    await waitFor(async () => (await received(to, from)).length >= want.length, `${to.name} has ${want.length} from ${from.name}`, 30_000)
    expect(await received(to, from)).toEqual(want)
    const mine: HistoryEntry[] = (await fullHistory(await from.client(), to.publicKey)).filter((e) => e.from === 'me')
    const theirs = new Set((await fullHistory(await to.client(), from.publicKey)).map((e) => e.id))
    for (const e of mine) if (e.state === 'delivered' && want.includes(e.text)) expect(theirs.has(e.id), `${from.name} shows "${e.text}" delivered`).toBe(true)
  }
}

async function exchange (a: Profile, b: Profile, tag: string, ledger: Ledger): Promise<void> {
  for (let i = 1; i <= 2; i++) {
    await sendWait(a, b, `${tag} ${a.name}→${b.name} #${i}`, ledger)
    await sendWait(b, a, `${tag} ${b.name}→${a.name} #${i}`, ledger)
  }
}

/** `psst remove` then `psst add <ID>`: the other side, still a friend, accepts at once. */
async function refriend (remover: Profile, other: Profile, ledger: Ledger): Promise<void> {
  const rm = await remover.cli(['remove', other.publicKey.slice(0, 16)])
  expect(rm.code, rm.stderr).toBe(0)
  // The remover's history with them is gone: what it holds from now on starts empty.
  ledger.forget(other, remover)
  ledger.forget(remover, other)
  const add = await remover.cli(['add', other.id])
  expect(add.code, add.stderr).toBe(0)
  await bothOnline(remover, other)
}

describe('re-friending: remove + re-add while messages flow', () => {
  let net: TestNet
  const ledger = new Ledger()
  beforeAll(async () => { net = await TestNet.start(24) })
  afterAll(async () => { await net?.teardown() })

  let alice: Profile
  let bob: Profile

  it('alice and bob are friends and exchange messages', async () => {
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
    await exchange(alice, bob, 'before', ledger)
    await checkBoth(alice, bob, ledger)
  }, STEP_MS)

  it('alice removes and re-adds bob; bob accepts at once; messages flow both ways', async () => {
    await refriend(alice, bob, ledger)
    // bob's history with alice was kept: what alice sent before is still there, then the new ones.
    ledger.list(alice, bob).push(...(await received(bob, alice)))
    await exchange(alice, bob, 'after 1st re-add', ledger)
    await checkBoth(alice, bob, ledger)
  }, STEP_MS)

  it('and again, right away', async () => {
    await refriend(alice, bob, ledger)
    ledger.list(alice, bob).push(...(await received(bob, alice)))
    await exchange(alice, bob, 'after 2nd re-add', ledger)
    await checkBoth(alice, bob, ledger)
  }, STEP_MS)

  it('the other order: bob removes and re-adds alice', async () => {
    await refriend(bob, alice, ledger)
    ledger.list(bob, alice).push(...(await received(alice, bob)))
    await exchange(bob, alice, 'after bob re-adds', ledger)
    await checkBoth(alice, bob, ledger)
  }, STEP_MS)

  it('a message sent to someone who removed you arrives once they add you back', async () => {
    const carol = await net.profile('carol')
    const dave = await net.profile('dave')
    await net.friends(carol, dave)
    await exchange(carol, dave, 'first', ledger)
    const rm = await carol.cli(['remove', dave.publicKey.slice(0, 16)])
    expect(rm.code, rm.stderr).toBe(0)
    ledger.forget(dave, carol)
    ledger.forget(carol, dave)
    ledger.list(carol, dave).push(...(await received(dave, carol)))
    // dave does not know yet: his message waits (not delivered) until carol is his friend again.
    const queued = await dave.json<{ seq: number }>(['send', carol.publicKey.slice(0, 16), 'while you were away'])
    expect((await (await dave.client()).call('waitDelivered', { friend: carol.publicKey, seq: queued.seq, timeoutMs: 2000 })).delivered).toBe(false)
    const add = await carol.cli(['add', dave.id])
    expect(add.code, add.stderr).toBe(0)
    await bothOnline(carol, dave)
    ledger.list(dave, carol).push('while you were away')
    expect((await (await dave.client()).call('waitDelivered', { friend: carol.publicKey, seq: queued.seq, timeoutMs: WAIT_S * 1000 })).delivered).toBe(true)
    await exchange(dave, carol, 'then', ledger)
    await checkBoth(carol, dave, ledger)
  }, STEP_MS)
})

describe('a profile restored from an older copy', () => {
  let net: TestNet
  const ledger = new Ledger()
  beforeAll(async () => { net = await TestNet.start(26) })
  afterAll(async () => { await net?.teardown() })

  it('re-synchronises both ways: nothing after the restore is lost, duplicated or falsely delivered', async () => {
    const erin = await net.profile('erin')
    const frank = await net.profile('frank')
    await net.friends(erin, frank)
    await exchange(erin, frank, 'before the copy', ledger)

    // The copy holds a message of frank's that erin has not acknowledged yet (she is offline).
    await erin.stop()
    await waitFor(async () => !(await online(frank, erin.publicKey)), 'frank sees erin offline')
    const pending = await frank.json<{ seq: number }>(['send', erin.publicKey.slice(0, 16), 'pending at the copy'])
    ledger.list(frank, erin).push('pending at the copy')
    await frank.stop()
    const backup = mkdtempSync(join(tmpdir(), 'psst-frank-backup-'))
    try {
      cpSync(frank.home, backup, { recursive: true })
      await erin.start()
      await frank.start()
      await bothOnline(erin, frank)
      expect((await (await frank.client()).call('waitDelivered', { friend: erin.publicKey, seq: pending.seq, timeoutMs: WAIT_S * 1000 })).delivered).toBe(true)
      await exchange(erin, frank, 'after the copy', ledger)
      await checkBoth(erin, frank, ledger)

      await frank.stop()
      rmSync(frank.home, { recursive: true, force: true })
      cpSync(backup, frank.home, { recursive: true })
    } finally {
      rmSync(backup, { recursive: true, force: true })
    }
    await frank.start()
    await bothOnline(erin, frank)
    // frank's copy lost what erin sent him after it was made; erin still holds all frank sent,
    // and "pending at the copy" — unacknowledged in the copy, so sent again — shows there once.
    ledger.list(erin, frank).splice(0, Infinity, ...(await received(frank, erin)))
    await exchange(erin, frank, 'after the restore', ledger)
    await checkBoth(erin, frank, ledger)
    const counters = (await (await frank.client()).call('status', {})).counters
    expect(counters['over-acks'] ?? 0).toBe(0)
    expect(counters['send-streams-restarted']).toBeGreaterThan(0)
    expect(counters['receive-gaps-skipped']).toBeGreaterThan(0)
    // The resent "pending at the copy" was recognised, not stored twice.
    expect((await (await erin.client()).call('status', {})).counters['duplicates-across-streams']).toBeGreaterThan(0)
  }, 3 * STEP_MS)
})

describe('an old mailbox envelope deposited again after a re-friend', () => {
  let relay: RelayProcess
  let grace: Profile
  let heidi: Profile

  beforeAll(async () => {
    relay = await new RelayProcess({ host: testHost(25) }).start()
    const net = relayNet(relay)
    grace = await makeProfile(net, 'grace')
    heidi = await makeProfile(net, 'heidi')
    await startWith(grace)
    await startWith(heidi)
  })

  afterAll(async () => {
    await grace?.teardown()
    await heidi?.teardown()
    await relay?.teardown()
  })

  it('is never stored as a message of the new friendship', async () => {
    const { ca, cb } = await befriend(grace, heidi)
    await cb.call('mailboxSet', { relay: relay.publicKey })
    await waitFor(async () => (await relay.status()).owners === 1, 'heidi registered at the relay')
    await waitFor(async () => (await ca.call('friends', {}))[0]?.mailbox === relay.publicKey, 'grace sees heidi\'s mailbox')

    // heidi offline: grace's first message waits at the relay.
    await heidi.stop()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online === false, 'grace sees heidi offline')
    const first = await ca.call('send', { friend: heidi.publicKey, text: 'kept by the relay' })
    expect(first.seq).toBe(1)
    await waitFor(async () => (await relay.status()).held === 1, 'the envelope held at the relay', 30_000)

    // The relay's files as they are now: the envelope is in them.
    await relay.stop()
    const copy = mkdtempSync(join(tmpdir(), 'psst-relay-copy-'))
    try {
      cpSync(relay.home, copy, { recursive: true })
      await relay.start()
      await startWith(heidi)
      const hc = await heidi.client()
      await waitFor(async () => (await received(heidi, grace)).length === 1, 'heidi fetched it', 30_000)
      await waitFor(async () => (await ca.call('waitDelivered', { friend: heidi.publicKey, seq: first.seq, timeoutMs: 1000 })).delivered, 'grace sees it delivered', 30_000)

      // grace removes and re-adds heidi (heidi, still her friend, accepts at once).
      const rm = await grace.cli(['remove', heidi.publicKey.slice(0, 16)])
      expect(rm.code, rm.stderr).toBe(0)
      const add = await grace.cli(['add', heidi.id])
      expect(add.code, add.stderr).toBe(0)
      await bothOnline(grace, heidi)

      // The relay comes back from its old files and hands heidi the old envelope again.
      const before = (await hc.call('status', {})).counters
      await relay.stop()
      rmSync(relay.home, { recursive: true, force: true })
      cpSync(copy, relay.home, { recursive: true })
      await relay.start()
      await waitFor(async () => (await relay.status()).held === 0, 'heidi fetched the old envelope again', 60_000)
      const after = (await (await heidi.client()).call('status', {})).counters
      expect((after['mailbox-stored'] ?? 0) - (before['mailbox-stored'] ?? 0)).toBe(0)
      expect(await received(heidi, grace)).toEqual(['kept by the relay'])
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }

    // The new friendship goes on as usual.
    const ledger = new Ledger()
    ledger.list(grace, heidi).push('kept by the relay')
    await exchange(grace, heidi, 'new friendship', ledger)
    await checkBoth(grace, heidi, ledger)
  }, 3 * STEP_MS)
})
