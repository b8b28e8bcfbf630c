/**
 * The relay's own LevelDB (docs/relay.md): its key pair, the registered owners and the sealed
 * envelopes it holds for them. Plain (no passphrase): nothing in it is readable without the owners'
 * keys. Layout in the `mailbox` sublevel, one letter per key space:
 *
 *   'o' ‖ owner(32)           → OwnerRecord
 *   'm' ‖ owner(32) ‖ u64 id  → HeldRecord   (fetch order = deposit order)
 *   'x' ‖ u64 id              → IndexRecord  (expiry in deposit order, and sizes for accounting)
 *   'c' ‖ cap(32)             → CapRecord    (a deposit capability: the owner it deposits for)
 *   'i' ‖ sha256(code)        → InviteRecord (an invite code not used yet)
 *
 * Byte and message counts per owner are kept in memory (rebuilt from 'x' at open) so quota checks
 * never read the disk. Every change goes through one queue, so counters and disk agree.
 */
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { LevelStore, type Op } from '../storage/level-store.js'
import { acquireLock, type Lock } from '../storage/lock.js'
import { ensurePrivateDir } from '../storage/home.js'
import { RelayRecords, type HeldItem } from '../wire/mailbox.js'
import type { KeyPair } from '../crypto/identity.js'

const KEY_RECORD = Buffer.from('relay-key')
const O = 0x6f // 'o'
const M = 0x6d // 'm'
const X = 0x78 // 'x'
const C = 0x63 // 'c'
const I = 0x69 // 'i'

export const relayPaths = {
  db: (home: string) => join(home, 'relay-db'),
  lock: (home: string) => join(home, 'relay.pid')
}

function u64 (n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}
const ownerKey = (owner: Buffer): Buffer => Buffer.concat([Buffer.from([O]), owner])
const heldKey = (owner: Buffer, id: number): Buffer => Buffer.concat([Buffer.from([M]), owner, u64(id)])
const indexKey = (id: number): Buffer => Buffer.concat([Buffer.from([X]), u64(id)])
const capKey = (cap: Buffer): Buffer => Buffer.concat([Buffer.from([C]), cap])
const inviteKey = (code: string): Buffer => Buffer.concat([Buffer.from([I]), createHash('sha256').update(code.trim()).digest()])

export interface OwnerState { key: Buffer, registeredAt: number, lastSeen: number, count: number, bytes: number }

export class RelayStore {
  readonly #db: LevelStore
  readonly #lock: Lock
  readonly owners = new Map<string, OwnerState>()
  /** Deposit capability key (hex) → the owner (hex) it may deposit for. */
  readonly caps = new Map<string, string>()
  readonly #capsOf = new Map<string, Set<string>>()
  /** Mail held for keys that are no longer registered (kept until fetched, deleted or expired). */
  readonly #orphans = new Map<string, { count: number, bytes: number }>()
  held = 0
  bytes = 0
  corrupt = 0
  #nextId = 1
  #queue: Promise<unknown> = Promise.resolve()

  private constructor (db: LevelStore, lock: Lock) {
    this.#db = db
    this.#lock = lock
  }

  static async open (home: string): Promise<RelayStore> {
    process.umask(0o077)
    ensurePrivateDir(home)
    const lock = acquireLock(relayPaths.lock(home), home)
    try {
      const store = new RelayStore(await LevelStore.open(relayPaths.db(home), `relay ${home}`), lock)
      await store.#load()
      return store
    } catch (err) {
      lock.release()
      throw err
    }
  }

  async close (): Promise<void> {
    await this.#queue.catch(() => {})
    try { await this.#db.close() } finally { this.#lock.release() }
  }

  /** The relay's key pair; made by `generate` and stored on first run. */
  async keyPair (generate: () => KeyPair): Promise<KeyPair> {
    const raw = await this.#db.get('profile', KEY_RECORD)
    const rec = raw === null ? null : RelayRecords.relayKey.decode(raw)
    if (rec !== null) return { publicKey: Buffer.from(rec.secretKey.subarray(32)), secretKey: rec.secretKey }
    if (raw !== null) throw new Error('the relay key record cannot be read; restore a backup (it will not be replaced)')
    const kp = generate()
    await this.#db.batch([{ type: 'put', sub: 'profile', key: KEY_RECORD, value: RelayRecords.relayKey.encode({ secretKey: kp.secretKey }) }])
    return kp
  }

  isOwner (owner: Buffer): boolean { return this.owners.has(owner.toString('hex')) }
  usage (owner: Buffer): { count: number, bytes: number } {
    const hex = owner.toString('hex')
    const u = this.owners.get(hex) ?? this.#orphans.get(hex)
    return { count: u?.count ?? 0, bytes: u?.bytes ?? 0 }
  }

  /** The owner a capability key deposits for, or undefined. */
  capOwner (cap: string): string | undefined { return this.caps.get(cap) }

  /**
   * Replaces the owner's set of deposit capabilities with `keys`. A key already registered by
   * another owner stays theirs (it cannot be taken over). Resolves with how many the owner now has.
   */
  setCaps (owner: Buffer, keys: Buffer[]): Promise<number> {
    return this.#serial(async () => {
      const hex = owner.toString('hex')
      const want = new Set(keys.map((k) => k.toString('hex')).filter((k) => (this.caps.get(k) ?? hex) === hex))
      const had = this.#capsOf.get(hex) ?? new Set<string>()
      const ops: Op[] = []
      for (const k of had) if (!want.has(k)) ops.push({ type: 'del', sub: 'mailbox', key: capKey(Buffer.from(k, 'hex')) })
      for (const k of want) if (!had.has(k)) ops.push({ type: 'put', sub: 'mailbox', key: capKey(Buffer.from(k, 'hex')), value: RelayRecords.cap.encode({ owner }) })
      await this.#db.batch(ops)
      for (const k of had) if (!want.has(k)) this.caps.delete(k)
      for (const k of want) this.caps.set(k, hex)
      if (want.size > 0) this.#capsOf.set(hex, want)
      else this.#capsOf.delete(hex)
      return want.size
    })
  }

  /** A new single-use invite code, valid until `expiresAt`. */
  createInvite (code: string, now: number, expiresAt: number): Promise<void> {
    return this.#serial(async () => {
      await this.#db.batch([{ type: 'put', sub: 'mailbox', key: inviteKey(code), value: RelayRecords.invite.encode({ createdAt: now, expiresAt }) }])
    })
  }

  /** True (and the code is spent) when `code` is a valid, unexpired invite. */
  useInvite (code: string, now: number): Promise<boolean> {
    return this.#serial(async () => {
      if (code.trim() === '') return false
      const raw = await this.#db.get('mailbox', inviteKey(code))
      const rec = raw === null ? null : RelayRecords.invite.decode(raw)
      if (raw === null) return false
      await this.#db.batch([{ type: 'del', sub: 'mailbox', key: inviteKey(code) }])
      return rec !== null && rec.expiresAt > now
    })
  }

  register (owner: Buffer, now: number): Promise<void> {
    return this.#serial(async () => {
      const hex = owner.toString('hex')
      const prev = this.owners.get(hex)
      const rec = { registeredAt: prev?.registeredAt ?? now, lastSeen: now }
      await this.#db.batch([{ type: 'put', sub: 'mailbox', key: ownerKey(owner), value: RelayRecords.owner.encode(rec) }])
      const usage = prev ?? this.#orphans.get(hex) ?? { count: 0, bytes: 0 }
      this.#orphans.delete(hex)
      this.owners.set(hex, { key: Buffer.from(owner), ...rec, count: usage.count, bytes: usage.bytes })
    })
  }

  /** Forgets an owner and everything held for it. */
  unregister (owner: Buffer): Promise<void> {
    return this.#serial(async () => {
      const ids = await this.#idsOf(owner)
      await this.#deleteIds(owner, ids)
      const hex = owner.toString('hex')
      const caps = [...(this.#capsOf.get(hex) ?? [])]
      await this.#db.batch([{ type: 'del', sub: 'mailbox', key: ownerKey(owner) }, ...caps.map((k): Op => ({ type: 'del', sub: 'mailbox', key: capKey(Buffer.from(k, 'hex')) }))])
      for (const k of caps) this.caps.delete(k)
      this.#capsOf.delete(hex)
      this.owners.delete(owner.toString('hex'))
      this.#orphans.delete(owner.toString('hex'))
    })
  }

  /** Stores an envelope; resolves with its id once on disk. Quotas are the caller's to check first. */
  put (owner: Buffer, envelope: Buffer, now: number): Promise<number> {
    const id = this.#nextId++
    const size = envelope.byteLength
    this.#account(owner, 1, size)
    return this.#serial(async () => {
      try {
        await this.#db.batch([
          { type: 'put', sub: 'mailbox', key: heldKey(owner, id), value: RelayRecords.held.encode({ at: now, envelope }) },
          { type: 'put', sub: 'mailbox', key: indexKey(id), value: RelayRecords.index.encode({ owner, at: now, size }) }
        ])
      } catch (err) {
        this.#account(owner, -1, -size)
        throw err
      }
      return id
    })
  }

  /** Up to `limit` envelopes with id > after, in deposit order, stopping before `maxBytes` (at least one). */
  async page (owner: Buffer, after: number, limit: number, maxBytes: number): Promise<{ items: HeldItem[], more: boolean }> {
    const items: HeldItem[] = []
    let bytes = 0
    const range = { gt: heldKey(owner, after), lt: heldKey(owner, Number.MAX_SAFE_INTEGER), limit: limit + 1 }
    for await (const [k, v] of this.#db.entries('mailbox', range)) {
      const rec = RelayRecords.held.decode(v)
      if (rec === null) { this.corrupt++; continue }
      if (items.length >= limit || (items.length > 0 && bytes + rec.envelope.byteLength > maxBytes)) return { items, more: true }
      items.push({ id: Number(k.readBigUInt64BE(k.byteLength - 8)), at: rec.at, envelope: rec.envelope })
      bytes += rec.envelope.byteLength
    }
    return { items, more: false }
  }

  /** Deletes the owner's envelopes among `ids` (others' ids are ignored); resolves with how many went. */
  delete (owner: Buffer, ids: number[]): Promise<number> {
    return this.#serial(async () => await this.#deleteIds(owner, ids))
  }

  /** Deletes everything deposited before `cutoff` (ms); resolves with how many went. */
  expire (cutoff: number): Promise<number> {
    return this.#serial(async () => {
      let n = 0
      const ops: Op[] = []
      for await (const [k, v] of this.#db.entries('mailbox', { gte: indexKey(0), lt: indexKey(Number.MAX_SAFE_INTEGER), limit: 10_000 })) {
        const rec = RelayRecords.index.decode(v)
        if (rec !== null && rec.at >= cutoff) break
        const id = Number(k.readBigUInt64BE(1))
        ops.push({ type: 'del', sub: 'mailbox', key: k })
        if (rec === null) { this.corrupt++; continue }
        ops.push({ type: 'del', sub: 'mailbox', key: heldKey(rec.owner, id) })
        this.#account(rec.owner, -1, -rec.size)
        n++
      }
      await this.#db.batch(ops)
      return n
    })
  }

  async #deleteIds (owner: Buffer, ids: number[]): Promise<number> {
    const ops: Op[] = []
    const seen = new Set<number>()
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 1 || seen.has(id)) continue
      seen.add(id)
      const raw = await this.#db.get('mailbox', indexKey(id))
      const rec = raw === null ? null : RelayRecords.index.decode(raw)
      if (rec === null || !rec.owner.equals(owner)) continue
      ops.push({ type: 'del', sub: 'mailbox', key: indexKey(id) }, { type: 'del', sub: 'mailbox', key: heldKey(owner, id) })
      this.#account(owner, -1, -rec.size)
    }
    await this.#db.batch(ops)
    return ops.length / 2
  }

  async #idsOf (owner: Buffer): Promise<number[]> {
    const ids: number[] = []
    const range = { gt: heldKey(owner, 0), lt: heldKey(owner, Number.MAX_SAFE_INTEGER) }
    for await (const [k] of this.#db.entries('mailbox', range)) ids.push(Number(k.readBigUInt64BE(k.byteLength - 8)))
    return ids
  }

  #account (owner: Buffer, count: number, bytes: number): void {
    const hex = owner.toString('hex')
    let usage: { count: number, bytes: number } | undefined = this.owners.get(hex) ?? this.#orphans.get(hex)
    if (usage === undefined) {
      usage = { count: 0, bytes: 0 }
      this.#orphans.set(hex, usage)
    }
    usage.count += count
    usage.bytes += bytes
    this.held += count
    this.bytes += bytes
    if (usage.count <= 0 && this.#orphans.get(hex) === usage) this.#orphans.delete(hex)
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return run
  }

  async #load (): Promise<void> {
    for await (const [k, v] of this.#db.entries('mailbox', { gt: Buffer.from([O]), lt: Buffer.from([O + 1]) })) {
      const rec = RelayRecords.owner.decode(v)
      if (rec === null || k.byteLength !== 33) { this.corrupt++; continue }
      const key = Buffer.from(k.subarray(1))
      this.owners.set(key.toString('hex'), { key, ...rec, count: 0, bytes: 0 })
    }
    for await (const [k, v] of this.#db.entries('mailbox', { gt: Buffer.from([C]), lt: Buffer.from([C + 1]) })) {
      const rec = RelayRecords.cap.decode(v)
      if (rec === null || k.byteLength !== 33) { this.corrupt++; continue }
      const cap = k.subarray(1).toString('hex')
      const owner = rec.owner.toString('hex')
      this.caps.set(cap, owner)
      let set = this.#capsOf.get(owner)
      if (set === undefined) { set = new Set(); this.#capsOf.set(owner, set) }
      set.add(cap)
    }
    for await (const [k, v] of this.#db.entries('mailbox', { gte: indexKey(0), lt: indexKey(Number.MAX_SAFE_INTEGER) })) {
      const id = Number(k.readBigUInt64BE(1))
      this.#nextId = Math.max(this.#nextId, id + 1)
      const rec = RelayRecords.index.decode(v)
      if (rec === null) { this.corrupt++; continue }
      this.#account(rec.owner, 1, rec.size)
    }
  }
}
