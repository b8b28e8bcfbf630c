import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { LevelStore, SUBLEVELS, type Op, type Sub } from './level-store.js'
import { Journal } from './journal.js'
import { encodeJournalRecord, type JournalOp, type JournalRecord } from '../wire/journal.js'
import { storeError, SpaceWatch, freeBytes, mib } from './disk.js'
import { createVault, readHeader, unlockVault, type Vault } from './vault.js'
import { acquireLock, type Lock } from './lock.js'
import { recoverRekey } from './rekey-files.js'
import { ensurePrivateDir, paths } from './home.js'
import {
  Records, encodeSegment, decodeSegment, type ProfileRecord, type FriendRecord, type StoredFriend, type StreamRecord, type RequestRecord, type BlockRecord,
  type MessageRecord, type OutboxRecord, type SettingsRecord, type DedupeRecord
} from '../wire/records.js'
import { MeetRecords, type PresenceRecord } from '../wire/meet.js'
import { PsstError } from '../errors.js'

const PROFILE_KEY = Buffer.from('me')
/** The seq of the last journal batch LevelDB holds (written in the same LevelDB batch as its ops). */
const APPLIED_KEY = Buffer.from('journal-applied')
const SETTINGS_KEY = Buffer.from('settings')
/** The devices of my identity and my friends' (src/devices): bytes its own codec reads. */
const DEVICES_KEY = Buffer.from('devices')
const DEDUPE_KEY = Buffer.from('dedupe:')
const FILES_KEY = Buffer.from('files-key')
const PRESENCE_KEY = Buffer.from('presence')

function writeU64 (b: Buffer, at: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at)
  b.writeUInt32BE(n >>> 0, at + 4)
}

const readU64 = (b: Buffer, at: number): number => b.readUInt32BE(at) * 0x1_0000_0000 + b.readUInt32BE(at + 4)

/** prefix ‖ u64: one allocation, no BigInt (a burst builds one per message). */
function prefixed (prefix: Buffer, n: number): Buffer {
  const b = Buffer.allocUnsafe(prefix.byteLength + 8)
  prefix.copy(b, 0)
  writeU64(b, prefix.byteLength, n)
  return b
}

/**
 * An outbox entry: `count` messages with consecutive seqs from `seq`, at consecutive history
 * indices from `index` (one `send` call writes exactly that). Entries from before ranges hold
 * only the 8-byte index and stand for one message.
 */
export interface OutboxRange { seq: number, index: number, count: number }

/** After a LevelDB write fails (a full disk), the drain is tried again this often. */
const DRAIN_RETRY_MS = 1000
/**
 * How long journaled batches wait before they go to LevelDB together. Nothing waits on that
 * step (the journal already holds them and reads catch up first), and every LevelDB write
 * wakes a thread-pool thread and then the event loop: at one message a millisecond, those
 * wake-ups competed with the messages themselves on a 2-core machine.
 */
const DRAIN_DELAY_MS = 25
/**
 * A segment holds at most this many records or bytes (a longer run is cut): a page of history
 * then reads a few tens of KB however large the batch that wrote it was.
 */
const SEGMENT_MAX_RECORDS = 256
const SEGMENT_MAX_BYTES = 64 * 1024
/** Journaled ops waiting for LevelDB beyond this go at once (bounds the memory they hold). */
const DRAIN_NOW_OPS = 4096

const toJournal = (op: Op): JournalOp => op.type === 'put'
  ? { type: 'put', sub: SUBLEVELS.indexOf(op.sub), key: op.key, value: op.value }
  : { type: 'del', sub: SUBLEVELS.indexOf(op.sub), key: op.key }

export interface StoredMessage extends MessageRecord { index: number }

/** A history record to store at `index` of a friend's history: apply() packs runs of them into segments. */
export interface MessagePut { type: 'message', friend: Buffer, index: number, record: Buffer }

/** What the core hands to apply(): LevelDB ops, and history records to pack. */
export type StoreOp = Op | MessagePut

/**
 * LevelDB replays its log into a new table at every open: on a disk without room for that it
 * fails half way, and was seen to lose data doing so. Refuse before touching it.
 */
function requireRoomToOpen (home: string): void {
  const free = freeBytes(home)
  if (free === null) return
  let need = 256 * 1024
  for (const dir of [paths.db(home)]) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.log')) need += statSync(join(dir, f)).size
    } catch {}
  }
  try { need += statSync(paths.journal(home)).size } catch {}
  if (free < need) throw new PsstError('DISK_FULL', `disk full: ${home} needs ${mib(need)} free to open its database safely, ${mib(free)} are; free some space and try again (nothing is damaged)`)
}

/**
 * A profile's persistent state over LevelDB: the domain operations the core needs, each
 * one batch. Holds the pid lock for as long as it is open, so one process owns a profile.
 */
export class ProfileStore {
  readonly home: string
  #db: LevelStore
  /** Set when LevelDB refused a write: it is closed and opened again before the next one. */
  #reopen = false
  readonly #vault: Vault
  readonly #lock: Lock
  readonly #journal: Journal
  readonly #space: SpaceWatch
  /** Batches in the journal that LevelDB does not hold yet, oldest first. */
  #pending: Array<{ seq: number, ops: Op[] }> = []
  /** The seq of the last batch journaled. */
  #seq = 0
  #draining: Promise<void> | null = null
  #drainTimer: NodeJS.Timeout | null = null
  #pendingOps = 0
  #failure: Error | null = null
  /** Records that failed to decrypt or decode, skipped rather than crashing. */
  corrupt = 0
  /** Set when the journal held damaged bytes at open (kept aside as db.journal.damaged-*). */
  journalDamaged = false
  /** What the replay at open did, for the daemon's log. */
  replay = { applied: 0, skipped: 0, cutShort: 0 }
  /** A friend's key prefix per key object: a keyed hash per message op would dominate a burst. */
  readonly #prefixes = new WeakMap<Buffer, Buffer>()

  private constructor (home: string, db: LevelStore, vault: Vault, lock: Lock, journal: Journal) {
    this.home = home
    this.#db = db
    this.#vault = vault
    this.#lock = lock
    this.#journal = journal
    this.#space = new SpaceWatch(home)
  }

  /**
   * Opens the DB and the journal, replaying into LevelDB what a killed run left in the journal.
   * Batches LevelDB already holds (seq at or below the one it stored) are skipped: a journal
   * that is damaged, cut short or older than the database never moves state backwards.
   */
  static async #openFiles (home: string, vault: Vault, lock: Lock): Promise<ProfileStore> {
    requireRoomToOpen(home)
    const db = await LevelStore.open(paths.db(home), home)
    try {
      const { journal, contents } = Journal.open(paths.journal(home))
      const store = new ProfileStore(home, db, vault, lock, journal)
      store.journalDamaged = contents.damaged
      store.replay.cutShort = contents.cutShort
      const applied = await store.#appliedSeq()
      store.#seq = applied
      for (const record of contents.records) {
        if (record.seq !== null && record.seq <= applied) { store.replay.skipped++; continue }
        await store.#replayRecord(record)
        store.replay.applied++
      }
      journal.reset()
      return store
    } catch (err) {
      await db.close().catch(() => {})
      throw storeError(err, `cannot replay the journal of ${home}`)
    }
  }

  async #appliedSeq (): Promise<number> {
    const raw = await this.#db.get('profile', APPLIED_KEY)
    if (raw === null) return 0
    const opened = this.#vault.open('profile', APPLIED_KEY, raw)
    if (opened === null || opened.byteLength !== 8) { this.corrupt++; return 0 }
    return readU64(opened, 0)
  }

  #appliedOp (seq: number): Op {
    const b = Buffer.allocUnsafe(8)
    writeU64(b, 0, seq)
    return this.#put('profile', APPLIED_KEY, b)
  }

  async #replayRecord (record: JournalRecord): Promise<void> {
    const ops: Op[] = []
    for (const j of record.ops) {
      const sub = SUBLEVELS[j.sub]
      if (sub === undefined) { this.corrupt++; continue }
      ops.push(j.type === 'put' ? { type: 'put', sub, key: j.key, value: j.value! } : { type: 'del', sub, key: j.key })
    }
    if (record.seq !== null) {
      this.#seq = Math.max(this.#seq, record.seq)
      ops.push(this.#appliedOp(record.seq))
    }
    await this.#db.batch(ops)
  }

  get encrypted (): boolean { return this.#vault.encrypted }

  /** True when `bytes` can be written without eating into the space kept free for LevelDB. */
  hasRoom (bytes: number): boolean { return this.#space.hasRoom(bytes) }

  static exists (home: string): boolean {
    recoverRekey(home)
    return existsSync(paths.header(home))
  }

  /** Creates a new profile; refuses to touch an existing one. */
  static async create (home: string, profile: ProfileRecord, passphrase: string | null): Promise<ProfileStore> {
    process.umask(0o077)
    ensurePrivateDir(home)
    if (ProfileStore.exists(home) || existsSync(paths.db(home))) {
      throw new PsstError('PROFILE_EXISTS', `a profile already exists in ${home}; it was left untouched`)
    }
    const lock = acquireLock(paths.lock(home), home)
    try {
      const vault = createVault(paths.header(home), passphrase)
      const store = await ProfileStore.#openFiles(home, vault, lock)
      await store.saveProfile(profile)
      return store
    } catch (err) {
      lock.release()
      throw err
    }
  }

  /** Opens an existing profile: passphrase checked first, then the lock, then the DB. */
  static async open (home: string, passphrase: string | null): Promise<ProfileStore> {
    process.umask(0o077)
    const header = readHeader(paths.header(home), home)
    const vault = unlockVault(header, passphrase)
    const lock = acquireLock(paths.lock(home), home)
    try {
      return await ProfileStore.#openFiles(home, vault, lock)
    } catch (err) {
      lock.release()
      throw err
    }
  }

  static isEncrypted (home: string): boolean {
    return readHeader(paths.header(home), home).encrypted
  }

  async close (): Promise<void> {
    try {
      await this.#caughtUp().catch(() => {})
      // Whatever LevelDB did not take stays in the journal for the next open.
      if (this.#pending.length === 0) this.#journal.reset()
      this.#journal.close()
      await this.#db.close()
    } finally {
      this.#lock.release()
    }
  }

  /**
   * Stores a batch: journaled with one synchronous write (durable against a crash of this
   * process once this returns), then applied to LevelDB in order in the background. Throws a
   * PsstError if the journal cannot be written; then nothing was stored.
   */
  apply (batch: StoreOp[]): Promise<void> {
    if (batch.length === 0) return Promise.resolve()
    const ops = this.pack(batch)
    const seq = this.#seq + 1
    const record = encodeJournalRecord(seq, ops.map(toJournal))
    // Journal and LevelDB each take the bytes once.
    this.#space.check(2 * record.byteLength)
    this.#journal.append(record)
    this.#seq = seq
    this.#pending.push({ seq, ops })
    this.#pendingOps += ops.length
    if (this.#pendingOps >= DRAIN_NOW_OPS) this.#drainNow()
    else if (this.#draining === null && this.#drainTimer === null) {
      this.#drainTimer = setTimeout(() => this.#drainNow(), DRAIN_DELAY_MS)
      // A process that ends without close() leaves the batches in the journal, replayed at open.
      this.#drainTimer.unref()
    }
    return Promise.resolve()
  }

  /**
   * The batch as LevelDB ops (what the journal records): each friend's history records at
   * consecutive indices become one segment, sealed as a whole when the profile is encrypted;
   * other ops pass unchanged.
   */
  pack (batch: StoreOp[]): Op[] {
    const out: Op[] = []
    const runs = new Map<Buffer, { puts: MessagePut[], bytes: number }>()
    for (const op of batch) {
      if (op.type !== 'message') { out.push(op); continue }
      const run = runs.get(op.friend)
      if (run !== undefined && op.index === run.puts[run.puts.length - 1].index + 1 &&
        run.puts.length < SEGMENT_MAX_RECORDS && run.bytes + op.record.byteLength <= SEGMENT_MAX_BYTES) {
        run.puts.push(op)
        run.bytes += op.record.byteLength
        continue
      }
      if (run !== undefined) out.push(this.#segmentOp(run.puts))
      runs.set(op.friend, { puts: [op], bytes: op.record.byteLength })
    }
    for (const run of runs.values()) out.push(this.#segmentOp(run.puts))
    return out
  }

  #segmentOp (run: MessagePut[]): Op {
    return this.#put('messages', prefixed(this.#prefix(run[0].friend), run[0].index), encodeSegment(run.map((m) => m.record)))
  }

  #drainNow (): void {
    if (this.#drainTimer !== null) { clearTimeout(this.#drainTimer); this.#drainTimer = null }
    if (this.#draining === null && this.#pending.length > 0) this.#draining = this.#drain()
  }

  /**
   * Moves journaled batches into LevelDB, several at a time, until none is left; each LevelDB
   * batch also records the last journal seq it holds. Once LevelDB holds everything, the
   * journal is emptied: it never holds more than the last few batches.
   */
  async #drain (): Promise<void> {
    this.#failure = null
    while (this.#pending.length > 0) {
      if (this.#reopen && !await this.#reopenDb()) break
      if (this.#pending.length === 0) break
      const n = this.#pending.length
      const ops = n === 1 ? this.#pending[0].ops.slice() : this.#pending.flatMap((b) => b.ops)
      ops.push(this.#appliedOp(this.#pending[n - 1].seq))
      try {
        await this.#db.batch(ops)
      } catch (err) {
        // Kept in the journal (and in #pending): applied by a later drain, or at the next start.
        this.#failure = err as Error
        this.#reopen = true
        break
      }
      this.#pending.splice(0, n)
      this.#pendingOps = this.#pending.reduce((sum, b) => sum + b.ops.length, 0)
    }
    if (this.#pending.length === 0) this.#journal.reset()
    this.#draining = null
    if (this.#failure !== null && this.#drainTimer === null) {
      this.#drainTimer = setTimeout(() => this.#drainNow(), DRAIN_RETRY_MS)
      this.#drainTimer.unref()
    }
  }

  /**
   * LevelDB does not stop after a failed write to its log: a record cut short by ENOSPC stays
   * in the middle of the log, later batches go after it, and at the next open LevelDB skips the
   * rest of that 32 KB block, with them (seen: acknowledged messages gone after a kill -9).
   * Closing and opening it again ends the log at the cut record, where recovery drops it
   * cleanly; the batches LevelDB did not take are then written again from #pending.
   */
  async #reopenDb (): Promise<boolean> {
    try {
      requireRoomToOpen(this.home)
      await this.#db.close().catch(() => {})
      this.#db = await LevelStore.open(paths.db(this.home), this.home)
      const applied = await this.#appliedSeq()
      this.#pending = this.#pending.filter((b) => b.seq > applied)
      this.#pendingOps = this.#pending.reduce((sum, b) => sum + b.ops.length, 0)
      this.#reopen = false
      return true
    } catch (err) {
      this.#failure = err as Error
      return false
    }
  }

  /** Resolves once LevelDB holds every batch stored so far: reads wait for this. */
  async #caughtUp (): Promise<void> {
    this.#drainNow()
    while (this.#draining !== null) await this.#draining
    if (this.#pending.length > 0) {
      const err = storeError(this.#failure ?? new Error('unknown error'), 'the database refused a write')
      throw new PsstError(err.code, `${err.message}; what was stored is kept in ${this.#journal.path} and applied later`)
    }
  }

  // --- profile

  async loadProfile (): Promise<ProfileRecord> {
    await this.#caughtUp()
    const raw = await this.#db.get('profile', PROFILE_KEY)
    const opened = raw === null ? null : this.#vault.open('profile', PROFILE_KEY, raw)
    const profile = opened === null ? null : Records.profile.decode(opened)
    if (profile === null) throw new PsstError('PROFILE_CORRUPT', `the identity in ${this.home} cannot be read; restore a backup (it will not be replaced)`)
    return profile
  }

  async saveProfile (p: ProfileRecord): Promise<void> {
    await this.apply([this.profileOp(p)])
  }

  profileOp (p: ProfileRecord): Op { return this.#put('profile', PROFILE_KEY, Records.profile.encode(p)) }

  /** The network settings; all defaults when none were stored or the record cannot be read. */
  async loadSettings (): Promise<SettingsRecord> {
    await this.#caughtUp()
    const raw = await this.#db.get('profile', SETTINGS_KEY)
    const opened = raw === null ? null : this.#vault.open('profile', SETTINGS_KEY, raw)
    return (opened === null ? null : Records.settings.decode(opened)) ?? { bootstrap: '', dhtHost: '', lan: true, historyMaxBytes: 0, historyMaxMessages: 0 }
  }

  async saveSettings (s: SettingsRecord): Promise<void> {
    await this.apply([this.settingsOp(s)])
  }

  settingsOp (s: SettingsRecord): Op { return this.#put('profile', SETTINGS_KEY, Records.settings.encode(s)) }

  /** The device book's bytes (src/devices/records.ts reads them), or null when none was stored. */
  async loadDeviceBook (): Promise<Buffer | null> {
    await this.#caughtUp()
    const raw = await this.#db.get('profile', DEVICES_KEY)
    return raw === null ? null : this.#vault.open('profile', DEVICES_KEY, raw)
  }

  deviceBookOp (bytes: Buffer): Op { return this.#put('profile', DEVICES_KEY, bytes) }
  /**
   * The dedupe window of a replaced stream (src/chat/resync.ts), keyed by the new stream's random
   * id (no friend's key in a key, and a passphrase change copies it as it is); null deletes it.
   */
  dedupeOp (stream: Buffer, rec: DedupeRecord | null): Op {
    const key = Buffer.concat([DEDUPE_KEY, stream])
    return rec === null ? { type: 'del', sub: 'profile', key } : this.#put('profile', key, Records.dedupe.encode(rec))
  }

  async loadDedupes (): Promise<DedupeRecord[]> {
    await this.#caughtUp()
    const out: DedupeRecord[] = []
    const end = Buffer.concat([DEDUPE_KEY, Buffer.alloc(16, 0xff), Buffer.from([0xff])])
    for await (const [k, v] of this.#db.entries('profile', { gte: DEDUPE_KEY, lt: end })) {
      const rec = this.#decode('profile', k, v, Records.dedupe.decode)
      if (rec !== null) out.push(rec)
    }
    return out
  }

  /**
   * The random key that seals file-transfer records in `<home>/files` (src/files/sealed.ts), or
   * null before one was made. It lives here, under the vault, so a passphrase change re-seals it
   * with the rest and those files never need rewriting; a profile made plain keeps it to read them.
   */
  async loadFilesKey (): Promise<Buffer | null> {
    await this.#caughtUp()
    const raw = await this.#db.get('profile', FILES_KEY)
    const opened = raw === null ? null : this.#vault.open('profile', FILES_KEY, raw)
    return opened !== null && opened.byteLength === 32 ? opened : null
  }

  filesKeyOp (key: Buffer): Op { return this.#put('profile', FILES_KEY, key) }

  /** Presence privacy's settings (src/wire/meet.ts); null when never stored (a profile from before them). */
  async loadPresence (): Promise<PresenceRecord | null> {
    await this.#caughtUp()
    const raw = await this.#db.get('profile', PRESENCE_KEY)
    const opened = raw === null ? null : this.#vault.open('profile', PRESENCE_KEY, raw)
    return opened === null ? null : MeetRecords.presence.decode(opened)
  }

  presenceOp (p: PresenceRecord): Op { return this.#put('profile', PRESENCE_KEY, MeetRecords.presence.encode(p)) }

  // --- friends, requests, blocks

  async loadFriends (): Promise<StoredFriend[]> { return this.#loadAll('friends', Records.friend.decode) }
  async loadStreams (): Promise<StreamRecord[]> { return this.#loadAll('streams', Records.stream.decode) }
  async loadRequests (): Promise<RequestRecord[]> { return this.#loadAll('requests', Records.request.decode) }
  async loadBlocks (): Promise<BlockRecord[]> { return this.#loadAll('blocked', Records.block.decode) }

  friendOp (f: FriendRecord): Op { return this.#put('friends', this.#vault.index(f.publicKey), Records.friend.encode(f)) }
  requestOp (r: RequestRecord): Op { return this.#put('requests', this.#vault.index(r.publicKey), Records.request.encode(r)) }
  /** A stream's record, keyed by its conversation then its author (a conversation's streams sit together). */
  streamOp (r: StreamRecord): Op {
    return this.#put('streams', Buffer.concat([this.#vault.index(r.conversation), this.#vault.index(r.author)]), Records.stream.encode(r))
  }

  blockOp (b: BlockRecord): Op { return this.#put('blocked', this.#vault.index(b.publicKey), Records.block.encode(b)) }
  delOp (sub: 'friends' | 'requests' | 'blocked', publicKey: Buffer): Op {
    return { type: 'del', sub, key: this.#vault.index(publicKey) }
  }

  /** Forgets a friend entirely: record, streams, history and outbox. */
  async deleteFriendData (publicKey: Buffer): Promise<void> {
    // The range clears below are not journaled: first empty the journal, or a replay after a
    // crash would bring back messages of the friend from batches that are already applied.
    for (;;) {
      await this.#caughtUp()
      if (this.#draining === null && this.#pending.length === 0) { this.#journal.reset(); break }
    }
    const prefix = this.#vault.index(publicKey)
    const range = { gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.from([0xff])]) }
    await this.#db.clear('messages', range)
    await this.#db.clear('outbox', range)
    await this.#db.clear('streams', { gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(prefix.byteLength + 1, 0xff)]) })
    await this.apply([this.delOp('friends', publicKey)])
  }

  // --- messages

  messageOp (friend: Buffer, index: number, m: MessageRecord): MessagePut {
    return this.messageBytesOp(friend, index, Records.message.encode(m))
  }

  /** A history record already encoded (Records.message bytes, e.g. made from a received frame). */
  messageBytesOp (friend: Buffer, index: number, record: Buffer): MessagePut {
    return { type: 'message', friend, index, record }
  }

  /**
   * An outbox entry holds only where a send call's messages sit in history: their bodies are
   * written once, in the history records of the same batch, and a burst of a thousand costs one
   * outbox put and one delete instead of a thousand each.
   */
  outboxOp (friend: Buffer, r: OutboxRange): Op {
    const value = Buffer.allocUnsafe(12)
    writeU64(value, 0, r.index)
    value.writeUInt32BE(r.count, 8)
    return this.#put('outbox', prefixed(this.#prefix(friend), r.seq), value)
  }

  #prefix (friend: Buffer): Buffer {
    let prefix = this.#prefixes.get(friend)
    if (prefix === undefined) {
      prefix = this.#vault.index(friend)
      this.#prefixes.set(friend, prefix)
    }
    return prefix
  }

  outboxDelOp (friend: Buffer, firstSeq: number): Op {
    return { type: 'del', sub: 'outbox', key: prefixed(this.#prefix(friend), firstSeq) }
  }

  /** A friend's outbox entries in seq order, optionally only those holding a seq above `after`. */
  async outboxRanges (friend: Buffer, after = 0, maxMessages = -1): Promise<OutboxRange[]> {
    await this.#caughtUp()
    const prefix = this.#prefix(friend)
    const end = Buffer.concat([prefix, Buffer.alloc(8, 0xff)])
    const out: OutboxRange[] = []
    // The entry holding after + 1 may start before it: the last one starting at or below it.
    const from = prefixed(prefix, after + 1)
    let messages = 0
    for await (const [k, v] of this.#db.entries('outbox', { gte: prefix, lte: from, reverse: true, limit: 1 })) messages += this.#pushRange(out, k, v, after)
    for await (const [k, v] of this.#db.entries('outbox', { gt: from, lt: end })) {
      if (maxMessages >= 0 && messages >= maxMessages) break
      messages += this.#pushRange(out, k, v, after)
    }
    return out
  }

  #pushRange (out: OutboxRange[], k: Buffer, v: Buffer, after: number): number {
    const opened = this.#vault.open('outbox', k, v)
    if (opened === null || (opened.byteLength !== 8 && opened.byteLength !== 12)) { this.corrupt++; return 0 }
    const seq = readU64(k, k.byteLength - 8)
    const count = opened.byteLength === 12 ? opened.readUInt32BE(8) : 1
    if (seq + count - 1 <= after) return 0
    out.push({ seq, index: readU64(opened, 0), count })
    // What it adds above `after` (the first entry may hold some at or below it).
    return seq + count - Math.max(seq, after + 1)
  }

  /** Unacknowledged messages to a friend with seq > after, in seq order (bodies from history). */
  async outbox (friend: Buffer, after: number, limit = -1): Promise<OutboxRecord[]> {
    const prefix = this.#prefix(friend)
    const out: OutboxRecord[] = []
    for (const r of await this.outboxRanges(friend, after, limit)) {
      const firstSeq = Math.max(r.seq, after + 1)
      const lastSeq = limit >= 0 ? Math.min(r.seq + r.count - 1, firstSeq + limit - out.length - 1) : r.seq + r.count - 1
      if (lastSeq < firstSeq) break
      const records = await this.#recordsIn(prefix, r.index + firstSeq - r.seq, r.index + lastSeq - r.seq)
      for (let seq = firstSeq; seq <= lastSeq; seq++) {
        const index = r.index + seq - r.seq
        const raw = records.get(index)
        const rec = raw === undefined ? null : Records.message.decode(raw)
        if (rec === null || !rec.outgoing || rec.seq !== seq) { this.corrupt++; continue }
        out.push({ id: rec.id, seq: rec.seq, sentAt: rec.sentAt, kind: rec.kind, body: rec.body, index })
      }
    }
    return out
  }

  /** The history records of a friend at indices from..to (inclusive), read from the segments holding them. */
  async #recordsIn (prefix: Buffer, from: number, to: number): Promise<Map<number, Uint8Array>> {
    const found = new Map<number, Uint8Array>()
    const add = (k: Buffer, v: Buffer): void => {
      const first = readU64(k, k.byteLength - 8)
      const parts = this.#segment(k, v)
      for (let i = 0; i < parts.length; i++) if (first + i >= from && first + i <= to) found.set(first + i, parts[i])
    }
    // The segment holding `from` may start before it: the last one starting at or below it.
    const start = prefixed(prefix, from)
    for await (const [k, v] of this.#db.entries('messages', { gte: prefix, lte: start, reverse: true, limit: 1 })) add(k, v)
    for await (const [k, v] of this.#db.entries('messages', { gt: start, lte: prefixed(prefix, to) })) add(k, v)
    return found
  }

  /** A stored history value as its records; a value that does not open or parse counts as corrupt. */
  #segment (k: Buffer, v: Buffer): Uint8Array[] {
    const opened = this.#vault.open('messages', k, v)
    const parts = opened === null ? null : decodeSegment(opened)
    if (parts === null) { this.corrupt++; return [] }
    return parts
  }

  /** The last `limit` history lines before `before` (exclusive), oldest first. */
  async history (friend: Buffer, limit: number, before?: number): Promise<StoredMessage[]> {
    await this.#caughtUp()
    const prefix = this.#vault.index(friend)
    const max = limit < 0 ? Infinity : limit
    const lt = before === undefined ? Buffer.concat([prefix, Buffer.alloc(8, 0xff)]) : prefixed(prefix, before)
    const out: StoredMessage[] = []
    if (max === 0) return out
    // Segments starting below `before`, newest first; the newest may reach past it.
    for await (const [k, v] of this.#db.entries('messages', { gte: prefix, lt, reverse: true })) {
      const first = readU64(k, k.byteLength - 8)
      const parts = this.#segment(k, v)
      for (let i = parts.length - 1; i >= 0 && out.length < max; i--) {
        if (before !== undefined && first + i >= before) continue
        const rec = Records.message.decode(parts[i])
        if (rec === null) { this.corrupt++; continue }
        out.push({ ...rec, index: first + i })
      }
      if (out.length >= max) break
    }
    return out.reverse()
  }

  /**
   * One page of history, oldest first, bounded by count and by record bytes (at least one record
   * when any is there): backwards from `before` (exclusive; the newest when absent), or forwards
   * from `after` (exclusive). `more` says whether history goes on past the page in that direction.
   */
  async historyPage (friend: Buffer, opts: { limit: number, maxBytes: number, before?: number, after?: number }): Promise<{ rows: StoredMessage[], more: boolean }> {
    await this.#caughtUp()
    const prefix = this.#prefix(friend)
    const forward = opts.after !== undefined
    const rows: StoredMessage[] = []
    let bytes = 0
    const take = (first: number, parts: Uint8Array[], i: number): boolean => {
      if (rows.length >= opts.limit || (rows.length > 0 && bytes + parts[i].byteLength > opts.maxBytes)) return false
      const rec = Records.message.decode(parts[i])
      if (rec === null) { this.corrupt++; return true }
      rows.push({ ...rec, index: first + i })
      bytes += parts[i].byteLength
      return true
    }
    if (forward) {
      const after = opts.after!
      const end = Buffer.concat([prefix, Buffer.alloc(8, 0xff)])
      // The segment holding after + 1 may start at or below it: the last one starting there.
      const from = prefixed(prefix, Math.max(0, after + 1))
      const segments = this.#db.entries('messages', { gte: prefix, lte: from, reverse: true, limit: 1 })
      const later = this.#db.entries('messages', { gt: from, lt: end })
      for (const it of [segments, later]) {
        for await (const [k, v] of it) {
          const first = readU64(k, k.byteLength - 8)
          const parts = this.#segment(k, v)
          for (let i = 0; i < parts.length; i++) {
            if (first + i <= after) continue
            if (!take(first, parts, i)) return { rows, more: true }
          }
        }
      }
      return { rows, more: false }
    }
    const lt = opts.before === undefined ? Buffer.concat([prefix, Buffer.alloc(8, 0xff)]) : prefixed(prefix, opts.before)
    for await (const [k, v] of this.#db.entries('messages', { gte: prefix, lt, reverse: true })) {
      const first = readU64(k, k.byteLength - 8)
      const parts = this.#segment(k, v)
      for (let i = parts.length - 1; i >= 0; i--) {
        if (opts.before !== undefined && first + i >= opts.before) continue
        if (!take(first, parts, i)) return { rows: rows.reverse(), more: true }
      }
    }
    return { rows: rows.reverse(), more: false }
  }

  /**
   * What a friend's history takes: the bytes of its stored values and the index of its oldest
   * record (null when it has none). Reads every value once (no decryption): done once per run.
   */
  async historyUsage (friend: Buffer): Promise<{ bytes: number, first: number | null }> {
    await this.#caughtUp()
    const prefix = this.#prefix(friend)
    let bytes = 0
    let first: number | null = null
    for await (const [k, v] of this.#db.entries('messages', { gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff)]) })) {
      first ??= readU64(k, k.byteLength - 8)
      bytes += v.byteLength
    }
    return { bytes, first }
  }

  /**
   * The ops that delete a friend's oldest history, oldest first, until `enough(removedBytes,
   * cutoff)` holds, never touching index `keep` or above. A segment cut in two keeps its newer
   * part under a new key. Reads only what it deletes (and the segment it cuts).
   */
  async pruneOps (friend: Buffer, keep: number, enough: (bytes: number, cutoff: number) => boolean): Promise<{ ops: Op[], bytes: number, cutoff: number } | null> {
    await this.#caughtUp()
    const prefix = this.#prefix(friend)
    const ops: Op[] = []
    let bytes = 0
    let cutoff: number | null = null
    for await (const [k, v] of this.#db.entries('messages', { gte: prefix, lt: prefixed(prefix, keep) })) {
      const first = readU64(k, k.byteLength - 8)
      cutoff ??= first
      if (enough(bytes, cutoff)) break
      const parts = this.#segment(k, v)
      const sizes = parts.map((p) => p.byteLength + 4)
      const whole = sizes.reduce((a, b) => a + b, 0)
      // What is left of this segment once enough is removed (whole when it must all go).
      let cut = 0
      let removed = 0
      while (cut < parts.length && first + cut < keep && !enough(bytes + removed * v.byteLength / Math.max(1, whole), first + cut)) removed += sizes[cut++]
      ops.push({ type: 'del', sub: 'messages', key: k })
      if (cut < parts.length) {
        const rest = encodeSegment(parts.slice(cut))
        const put = this.#put('messages', prefixed(prefix, first + cut), rest)
        ops.push(put)
        bytes += v.byteLength - (put.type === 'put' ? put.value.byteLength : 0)
        cutoff = first + cut
        break
      }
      bytes += v.byteLength
      cutoff = first + parts.length
    }
    return cutoff === null || ops.length === 0 ? null : { ops, bytes, cutoff }
  }

  // --- groups (src/groups): under the group id, a record and its entries

  /**
   * The key is the group id (a hash that names nobody) and a suffix the groups module chooses
   * (docs/groups.md, Storage); not an index() of it, so a passphrase change copies it as it is.
   */
  groupOp (groupId: Buffer, suffix: Buffer, value: Buffer): Op {
    return this.#put('groups', Buffer.concat([groupId, suffix]), value)
  }

  /** Every stored group value, opened, with its group id and suffix. */
  async loadGroupValues (): Promise<Array<{ group: string, suffix: Buffer, value: Buffer }>> {
    await this.#caughtUp()
    const out: Array<{ group: string, suffix: Buffer, value: Buffer }> = []
    for await (const [k, v] of this.#db.entries('groups')) {
      const value = this.#vault.open('groups', k, v)
      if (value === null || k.byteLength < 33) { this.corrupt++; continue }
      out.push({ group: k.subarray(0, 32).toString('hex'), suffix: k.subarray(32), value })
    }
    return out
  }

  #put (sub: Sub, key: Buffer, value: Buffer): Op {
    return { type: 'put', sub, key, value: this.#vault.seal(sub, key, value) }
  }

  #decode<T> (sub: Sub, key: Buffer, value: Buffer, decode: (b: Uint8Array) => T | null): T | null {
    const opened = this.#vault.open(sub, key, value)
    const rec = opened === null ? null : decode(opened)
    if (rec === null) this.corrupt++
    return rec
  }

  async #loadAll<T> (sub: Sub, decode: (b: Uint8Array) => T | null): Promise<T[]> {
    await this.#caughtUp()
    const out: T[] = []
    for await (const [k, v] of this.#db.entries(sub)) {
      const rec = this.#decode(sub, k, v, decode)
      if (rec !== null) out.push(rec)
    }
    return out
  }
}
