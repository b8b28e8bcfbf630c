import { existsSync } from 'node:fs'
import { LevelStore, type Op, type Sub } from './level-store.js'
import { createVault, readHeader, unlockVault, type Vault } from './vault.js'
import { acquireLock, type Lock } from './lock.js'
import { ensurePrivateDir, paths } from './home.js'
import {
  Records, type ProfileRecord, type FriendRecord, type RequestRecord, type BlockRecord,
  type MessageRecord, type OutboxRecord
} from '../wire/records.js'
import { PsstError } from '../errors.js'

const PROFILE_KEY = Buffer.from('me')

function u64 (n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

export interface StoredMessage extends MessageRecord { index: number }

/**
 * A profile's persistent state over LevelDB: the domain operations the core needs, each
 * one batch. Holds the pid lock for as long as it is open, so one process owns a profile.
 */
export class ProfileStore {
  readonly home: string
  readonly #db: LevelStore
  readonly #vault: Vault
  readonly #lock: Lock
  /** Records that failed to decrypt or decode, skipped rather than crashing. */
  corrupt = 0
  /** A friend's key prefix per key object: a keyed hash per message op would dominate a burst. */
  readonly #prefixes = new WeakMap<Buffer, Buffer>()

  private constructor (home: string, db: LevelStore, vault: Vault, lock: Lock) {
    this.home = home
    this.#db = db
    this.#vault = vault
    this.#lock = lock
  }

  get encrypted (): boolean { return this.#vault.encrypted }

  static exists (home: string): boolean {
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
      const store = new ProfileStore(home, await LevelStore.open(paths.db(home), home), vault, lock)
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
      return new ProfileStore(home, await LevelStore.open(paths.db(home), home), vault, lock)
    } catch (err) {
      lock.release()
      throw err
    }
  }

  static isEncrypted (home: string): boolean {
    return readHeader(paths.header(home), home).encrypted
  }

  async close (): Promise<void> {
    try { await this.#db.close() } finally { this.#lock.release() }
  }

  // --- profile

  async loadProfile (): Promise<ProfileRecord> {
    const raw = await this.#db.get('profile', PROFILE_KEY)
    const opened = raw === null ? null : this.#vault.open('profile', PROFILE_KEY, raw)
    const profile = opened === null ? null : Records.profile.decode(opened)
    if (profile === null) throw new PsstError('PROFILE_CORRUPT', `the identity in ${this.home} cannot be read; restore a backup (it will not be replaced)`)
    return profile
  }

  async saveProfile (p: ProfileRecord): Promise<void> {
    await this.#db.batch([this.#put('profile', PROFILE_KEY, Records.profile.encode(p))])
  }

  // --- friends, requests, blocks

  async loadFriends (): Promise<FriendRecord[]> { return this.#loadAll('friends', Records.friend.decode) }
  async loadRequests (): Promise<RequestRecord[]> { return this.#loadAll('requests', Records.request.decode) }
  async loadBlocks (): Promise<BlockRecord[]> { return this.#loadAll('blocked', Records.block.decode) }

  friendOp (f: FriendRecord): Op { return this.#put('friends', this.#vault.index(f.publicKey), Records.friend.encode(f)) }
  requestOp (r: RequestRecord): Op { return this.#put('requests', this.#vault.index(r.publicKey), Records.request.encode(r)) }
  blockOp (b: BlockRecord): Op { return this.#put('blocked', this.#vault.index(b.publicKey), Records.block.encode(b)) }
  delOp (sub: 'friends' | 'requests' | 'blocked', publicKey: Buffer): Op {
    return { type: 'del', sub, key: this.#vault.index(publicKey) }
  }

  async apply (ops: Op[]): Promise<void> { await this.#db.batch(ops) }

  /** Forgets a friend entirely: record, history and outbox. */
  async deleteFriendData (publicKey: Buffer): Promise<void> {
    const prefix = this.#vault.index(publicKey)
    const range = { gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.from([0xff])]) }
    await this.#db.clear('messages', range)
    await this.#db.clear('outbox', range)
    await this.#db.batch([this.delOp('friends', publicKey)])
  }

  // --- messages

  messageOp (friend: Buffer, index: number, m: MessageRecord): Op {
    return this.#put('messages', Buffer.concat([this.#prefix(friend), u64(index)]), Records.message.encode(m))
  }

  /**
   * An outbox entry holds only where the message sits in history (8 bytes): the body is written
   * once, in the history record of the same batch, which halves a burst's bytes on disk.
   */
  outboxOp (friend: Buffer, o: OutboxRecord): Op {
    return this.#put('outbox', Buffer.concat([this.#prefix(friend), u64(o.seq)]), u64(o.index))
  }

  #prefix (friend: Buffer): Buffer {
    let prefix = this.#prefixes.get(friend)
    if (prefix === undefined) {
      prefix = this.#vault.index(friend)
      this.#prefixes.set(friend, prefix)
    }
    return prefix
  }

  outboxDelOp (friend: Buffer, seq: number): Op {
    return { type: 'del', sub: 'outbox', key: Buffer.concat([this.#prefix(friend), u64(seq)]) }
  }

  /** Unacknowledged messages to a friend with seq > after, in seq order (bodies from history). */
  async outbox (friend: Buffer, after: number, limit = -1): Promise<OutboxRecord[]> {
    const prefix = this.#prefix(friend)
    const pointers: Array<{ seq: number, index: number }> = []
    const range = { gt: Buffer.concat([prefix, u64(after)]), lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff)]), limit }
    for await (const [k, v] of this.#db.entries('outbox', range)) {
      const opened = this.#vault.open('outbox', k, v)
      if (opened === null || opened.byteLength !== 8) { this.corrupt++; continue }
      pointers.push({ seq: Number(k.readBigUInt64BE(k.byteLength - 8)), index: Number(opened.readBigUInt64BE(0)) })
    }
    const keys = pointers.map((p) => Buffer.concat([prefix, u64(p.index)]))
    const values = await this.#db.getMany('messages', keys)
    const out: OutboxRecord[] = []
    pointers.forEach((p, i) => {
      const raw = values[i]
      const rec = raw === null ? null : this.#decode('messages', keys[i], raw, Records.message.decode)
      if (rec === null || !rec.outgoing || rec.seq !== p.seq) { if (raw === null) this.corrupt++; return }
      out.push({ id: rec.id, seq: rec.seq, sentAt: rec.sentAt, kind: rec.kind, body: rec.body, index: p.index })
    })
    return out
  }

  /** The last `limit` history lines before `before` (exclusive), oldest first. */
  async history (friend: Buffer, limit: number, before?: number): Promise<StoredMessage[]> {
    const prefix = this.#vault.index(friend)
    const lt = Buffer.concat([prefix, before === undefined ? Buffer.alloc(8, 0xff) : u64(before)])
    const out: StoredMessage[] = []
    for await (const [k, v] of this.#db.entries('messages', { gte: prefix, lt, reverse: true, limit })) {
      const rec = this.#decode('messages', k, v, Records.message.decode)
      if (rec !== null) out.push({ ...rec, index: Number(k.readBigUInt64BE(k.byteLength - 8)) })
    }
    return out.reverse()
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
    const out: T[] = []
    for await (const [k, v] of this.#db.entries(sub)) {
      const rec = this.#decode(sub, k, v, decode)
      if (rec !== null) out.push(rec)
    }
    return out
  }
}
