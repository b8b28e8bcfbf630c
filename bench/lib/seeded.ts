/**
 * Profiles with many friends and messages, written straight into a stopped profile's LevelDB
 * with the store's own record codecs (ProfileStore + Records), since creating them through the
 * network would take minutes. Then: the idle daemon's RSS, and history opening times.
 */
import { ProfileStore, type StoreOp } from '../../src/storage/profile-store.js'
import type { FriendRecord, MessageRecord } from '../../src/wire/records.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { randomBytes } from 'node:crypto'
import { generateKeyPair, toHex } from '../../src/crypto/identity.js'
import { BenchProfile } from './profile.js'
import { memory, sleep, type Memory } from './proc.js'

const BATCH = 10_000
// Message ids come from node:crypto here: src/crypto's randomBytes (libsodium's randombytes_buf in
// WebAssembly) costs ~120 µs per 16-byte id (15 s for 100 000 messages); one node:crypto buffer per friend
// avoids even the ~5 µs syscall per id.

/** Adds `counts.length` friends, friend i with counts[i] history lines (alternately mine and theirs, all delivered). */
export async function seed (home: string, counts: number[]): Promise<string[]> {
  await cryptoReady()
  const store = await ProfileStore.open(home, null)
  const now = Date.now()
  const keys: string[] = []
  try {
    const me = (await store.loadProfile()).publicKey
    let ops: StoreOp[] = []
    const flush = async (): Promise<void> => { await store.apply(ops); ops = [] }
    for (let f = 0; f < counts.length; f++) {
      const publicKey = generateKeyPair().publicKey
      keys.push(toHex(publicKey))
      let mine = 0
      let theirs = 0
      const ids = randomBytes(16 * counts[f])
      for (let i = 0; i < counts[f]; i++) {
        const outgoing = i % 2 === 0
        const seq = outgoing ? ++mine : ++theirs
        const rec: MessageRecord = {
          outgoing, id: ids.subarray(16 * i, 16 * i + 16), seq, sentAt: now - (counts[f] - i) * 1000, kind: 'text',
          body: `seeded message ${i} to friend ${f}: `.padEnd(100, 'lorem ipsum ')
        }
        ops.push(store.messageOp(publicKey, i, rec))
        if (ops.length >= BATCH) await flush()
      }
      const friend: FriendRecord = {
        publicKey, state: 'friends', name: `friend${f}`, status: 'online', statusMessage: '', lastSeen: now,
        addedAt: now, requestNospam: Buffer.alloc(4), requestMessage: '', nextIndex: counts[f], unread: 0, mailbox: null,
        txnSession: '', txnUpTo: 0, txnSeq: 0
      }
      ops.push(store.friendOp(friend))
      ops.push(store.streamOp({ conversation: publicKey, author: me, id: Buffer.alloc(16), upTo: mine, ackedUpTo: mine }))
      ops.push(store.streamOp({ conversation: publicKey, author: publicKey, id: Buffer.alloc(16), upTo: theirs, ackedUpTo: 0 }))
    }
    // Settled presence privacy (docs/design.md): no friend left in the migration set, so the
    // daemon is measured as it runs for good, not during the upgrade window.
    ops.push(store.presenceOp({ requestsOpen: true, legacyUntil: 0, legacy: [], deviceSeed: randomBytes(32), deviceSince: now }))
    await flush()
  } finally {
    await store.close()
  }
  return keys
}

/** VmRSS of an idle daemon, sampled every 500 ms after a settling time. */
export interface IdleRss {
  /** While the daemon still dials its offline friends at start (`earlyMs`). */
  early: Memory[]
  /** Once that has settled (`settleMs`): the figure. */
  late: Memory[]
}

/**
 * The daemon's memory at `earlyMs` after start, while it dials its offline friends, and at
 * `settleMs`: each failed dial leaves a 64 KiB UDX buffer and DHT query garbage that V8 only
 * collects once allocation calms down (measured: ArrayBuffers 27 MB at 10 s, 0.5 MB at 20 s).
 */
export async function idleRss (p: BenchProfile, earlyMs: number, settleMs: number, samples: number): Promise<IdleRss> {
  const start = Date.now()
  const take = async (n: number): Promise<Memory[]> => {
    const out: Memory[] = []
    for (let i = 0; i < n; i++) {
      const m = await memory(p.pid)
      if (m !== null) out.push(m)
      await sleep(500)
    }
    if (out.length === 0) throw new Error('could not read the daemon\'s memory from /proc')
    return out
  }
  await sleep(Math.max(0, earlyMs - (Date.now() - start)))
  const early = await take(3)
  await sleep(Math.max(0, settleMs - (Date.now() - start)))
  return { early, late: await take(samples) }
}

/** DHT requests per second the daemon sends over `windowMs`, and how many it sent before (since start). */
export interface DhtRate { perSecond: number, beforeWindow: number, sinceStartMs: number }

export async function dhtRequestRate (p: BenchProfile, startedAt: number, fromMs: number, windowMs: number): Promise<DhtRate> {
  await sleep(Math.max(0, fromMs - (Date.now() - startedAt)))
  const client = await p.client()
  const count = async (): Promise<number> => {
    const n = (await client.call('status', {})).dht.requests
    if (typeof n !== 'number') throw new Error('the daemon does not report its DHT requests (status.dht.requests)')
    return n
  }
  const sinceStartMs = Date.now() - startedAt
  const before = await count()
  const t0 = Date.now()
  await sleep(windowMs)
  const after = await count()
  await client.close()
  return { perSecond: (after - before) / ((Date.now() - t0) / 1000), beforeWindow: before, sinceStartMs }
}

export interface HistoryTimes { first: number, samples: number[] }

/** `history {friend, limit}` over the control socket: the first call, then warm-up and counted calls. */
export async function historyTimes (p: BenchProfile, friend: string, limit: number, warmup: number, n: number): Promise<HistoryTimes> {
  const client = await p.client()
  const once = async (): Promise<number> => {
    const t0 = performance.now()
    const rows = await client.call('history', { friend, limit })
    const ms = performance.now() - t0
    if (rows.length !== limit) throw new Error(`history returned ${rows.length} lines, expected ${limit}`)
    return ms
  }
  const first = await once()
  for (let i = 0; i < warmup; i++) await once()
  const samples: number[] = []
  for (let i = 0; i < n; i++) samples.push(await once())
  await client.close()
  return { first, samples }
}
