/**
 * The relay's side of `psst-mailbox/2` (docs/relay.md). The owner is always the
 * connection's Noise key, so only a key's holder can register it, fetch its mail or delete it; who
 * may register is the operator's policy (admission.ts). A deposit is accepted only on a connection
 * whose key the owner registered as one of its friends' capabilities (`caps`); the per-sender rate
 * limit counts those keys. A deposit for an owner nobody registered and one without the right
 * capability get the same answer (`refused`) through the same in-memory checks, so deposits cannot
 * probe who uses the relay. Every refusal is answered with a code and counted; nothing a peer
 * sends can throw.
 */
import type { PeerStream } from '../net/peer-stream.js'
import type { RelayStore } from './store.js'
import type { MailboxFrame, MailboxCode, Deposit, Fetch, Delete, Register, Caps } from '../wire/mailbox.js'
import { MAX_PAGE_ITEMS, MAX_PAGE_BYTES } from '../wire/mailbox.js'
import { openMailboxChannel, type MailboxChannel } from '../mailbox/channel.js'
import { DepositLimiter, type RelayLimits } from './limits.js'
import { OPEN_ADMISSION, type Admission } from './admission.js'

/** Requests one connection may have waiting; beyond that it is flooding and is dropped. */
const MAX_QUEUED = 256

export interface MailboxCounters {
  deposits: number
  fetched: number
  deleted: number
  expired: number
  refused: number
  refusedBy: Partial<Record<MailboxCode, number>>
  badFrames: number
  dropped: number
}

interface Session {
  stream: PeerStream
  key: Buffer
  hex: string
  channel: MailboxChannel
  queue: Promise<void>
  queued: number
}

export class MailboxService {
  readonly store: RelayStore
  readonly limits: RelayLimits
  readonly counters: MailboxCounters = { deposits: 0, fetched: 0, deleted: 0, expired: 0, refused: 0, refusedBy: {}, badFrames: 0, dropped: 0 }
  readonly #limiter: DepositLimiter
  readonly #now: () => number
  readonly #log: (line: string) => void
  readonly admission: Admission
  /** Open sessions of registered owners, told when mail arrives. */
  readonly #listeners = new Map<string, Set<Session>>()
  readonly #sessions = new Set<Session>()
  #expiry: NodeJS.Timeout | null = null

  constructor (store: RelayStore, limits: RelayLimits, opts: { now?: () => number, log?: (line: string) => void, admission?: Admission } = {}) {
    this.store = store
    this.limits = limits
    this.admission = opts.admission ?? OPEN_ADMISSION
    this.#limiter = new DepositLimiter(limits.depositsPerMinute)
    this.#now = opts.now ?? Date.now
    this.#log = opts.log ?? (() => {})
  }

  get connections (): number { return this.#sessions.size }

  /** Expires old mail now and then every tenth of the retention (at most every 10 minutes). */
  start (): void {
    void this.expireNow()
    const every = Math.max(1000, Math.min(10 * 60_000, Math.floor(this.limits.retentionMs / 10)))
    this.#expiry = setInterval(() => { void this.expireNow() }, every)
    this.#expiry.unref()
  }

  async expireNow (): Promise<number> {
    try {
      const n = await this.store.expire(this.#now() - this.limits.retentionMs)
      this.counters.expired += n
      if (n > 0) this.#log(`expired ${n} envelopes older than the retention`)
      return n
    } catch (err) {
      this.#log(`expiry failed: ${(err as Error).message}`)
      return 0
    }
  }

  attach (stream: PeerStream): void {
    const s: Session = { stream, key: stream.remotePublicKey, hex: stream.remotePublicKey.toString('hex'), channel: null as unknown as MailboxChannel, queue: Promise.resolve(), queued: 0 }
    s.channel = openMailboxChannel(stream, {
      onFrame: (f) => this.#enqueue(s, f),
      onDrop: () => { this.counters.badFrames++ }
    })
    this.#sessions.add(s)
    stream.on('close', () => {
      this.#sessions.delete(s)
      const set = this.#listeners.get(s.hex)
      set?.delete(s)
      if (set?.size === 0) this.#listeners.delete(s.hex)
    })
  }

  async close (): Promise<void> {
    if (this.#expiry) clearInterval(this.#expiry)
    await Promise.allSettled([...this.#sessions].map((s) => s.queue))
  }

  #enqueue (s: Session, f: MailboxFrame): void {
    if (s.queued >= MAX_QUEUED) {
      this.counters.dropped++
      s.stream.destroy()
      return
    }
    s.queued++
    s.queue = s.queue.then(() => this.#handle(s, f)).catch((err) => {
      this.#log(`mailbox request failed: ${(err as Error).message}`)
      // A store failure is ours, not the peer's: "disk-full" tells the client to come back later.
      if ('rid' in f) this.#refuse(s, f.rid, 'disk-full', 0)
    }).finally(() => { s.queued-- })
  }

  async #handle (s: Session, f: MailboxFrame): Promise<void> {
    switch (f.type) {
      case 'register': return await this.#register(s, f)
      case 'caps': return await this.#caps(s, f)
      case 'unregister':
        await this.store.unregister(s.key)
        this.#listeners.get(s.hex)?.delete(s)
        return this.#answer(s, f.rid, 'ok', 0)
      case 'deposit': return await this.#deposit(s, f)
      case 'fetch': return await this.#fetch(s, f)
      case 'delete': return await this.#delete(s, f)
      default:
        this.counters.badFrames++
    }
  }

  async #register (s: Session, f: Register): Promise<void> {
    const rid = f.rid
    if (!this.store.isOwner(s.key)) {
      if (this.store.owners.size >= this.limits.maxOwners) return this.#refuse(s, rid, 'owners-full', 0)
      if (!await this.#admits(s, f.invite)) return this.#refuse(s, rid, 'not-admitted', 0)
    }
    await this.store.register(s.key, this.#now())
    let set = this.#listeners.get(s.hex)
    if (set === undefined) { set = new Set(); this.#listeners.set(s.hex, set) }
    set.add(s)
    this.#answer(s, rid, 'ok', this.store.usage(s.key).count)
  }

  /** The operator's policy: open, a listed key, or a valid invite code (spent on use). */
  async #admits (s: Session, invite: Buffer): Promise<boolean> {
    if (this.admission.policy === 'open' || this.admission.allow.has(s.hex)) return true
    if (invite.byteLength === 0) return false
    const ok = await this.store.useInvite(invite.toString('utf8'), this.#now())
    if (ok) this.#log(`owner ${s.hex.slice(0, 12)} admitted with an invite code`)
    return ok
  }

  async #caps (s: Session, f: Caps): Promise<void> {
    if (!this.store.isOwner(s.key)) return this.#refuse(s, f.rid, 'not-registered', 0)
    this.#answer(s, f.rid, 'ok', await this.store.setCaps(s.key, f.keys))
  }

  async #deposit (s: Session, f: Deposit): Promise<void> {
    // One answer for "no such owner" and "not your friend": both are a map miss, nothing awaited,
    // and checked first, so a key nobody registered costs no rate bucket.
    if (this.store.capOwner(s.hex) !== f.owner.toString('hex') || !this.store.isOwner(f.owner)) return this.#refuse(s, f.rid, 'refused', 0)
    const wait = this.#limiter.take(s.hex, this.#now())
    if (wait > 0) return this.#refuse(s, f.rid, 'rate-limited', wait)
    if (f.envelope.byteLength === 0) return this.#refuse(s, f.rid, 'bad-request', 0)
    const size = f.envelope.byteLength
    if (this.store.usage(f.owner).bytes + size > this.limits.ownerBytes) return this.#refuse(s, f.rid, 'quota', 0)
    if (this.store.bytes + size > this.limits.diskBytes) return this.#refuse(s, f.rid, 'disk-full', 0)
    await this.store.put(f.owner, f.envelope, this.#now())
    this.counters.deposits++
    const held = this.store.usage(f.owner).count
    this.#answer(s, f.rid, 'ok', held)
    for (const listener of this.#listeners.get(f.owner.toString('hex')) ?? []) listener.channel.send({ type: 'notify', held })
  }

  async #fetch (s: Session, f: Fetch): Promise<void> {
    if (!this.store.isOwner(s.key)) return this.#refuse(s, f.rid, 'not-registered', 0)
    const limit = Math.max(1, Math.min(MAX_PAGE_ITEMS, f.limit))
    const { items, more } = await this.store.page(s.key, f.after, limit, MAX_PAGE_BYTES)
    this.counters.fetched += items.length
    s.channel.send({ type: 'page', rid: f.rid, items, more })
  }

  async #delete (s: Session, f: Delete): Promise<void> {
    const n = await this.store.delete(s.key, f.ids)
    this.counters.deleted += n
    this.#answer(s, f.rid, 'ok', this.store.usage(s.key).count)
  }

  #refuse (s: Session, rid: number, code: MailboxCode, value: number): void {
    this.counters.refused++
    this.counters.refusedBy[code] = (this.counters.refusedBy[code] ?? 0) + 1
    this.#answer(s, rid, code, value)
  }

  #answer (s: Session, rid: number, code: MailboxCode, value: number): void {
    s.channel.send({ type: 'answer', rid, code, value })
  }
}
