import { OutboxCache } from './outbox-cache.js'
import { judgeReceipt, deliveryState, type ReceiptVerdict } from './decide.js'

/** What any stream's entries carry at least: their seq. Chat's carry a message, files' a block. */
export interface StreamEntry { seq: number }

/** The durable part of a stream I author: what its record on disk holds. */
export interface SendMarks {
  /** The stream id (docs/design.md, Delivery): fixed when the conversation is (re)established. */
  id: Buffer
  /** Seq of the last entry queued. */
  lastSeq: number
  /** Highest seq the reader has acknowledged. */
  ackedUpTo: number
}

/** Queues the stream's record for the next write batch (`defer`: it may wait for company); the owner's. */
export type SaveStream = (defer: boolean) => void

/** Outbox entries kept in memory per stream for sending without a DB read. */
export const OUTBOX_CACHE_LIMIT = 20_000

/**
 * A durable, ordered, acknowledged stream I author (docs/design.md, Delivery): its seqs, what is
 * on disk and what was written to the current link, the entries cached for sending, the outbox
 * ranges a receipt deletes, and who waits for delivery. Generic over its entries. Each method
 * that changes its marks asks for its record to be saved (`save`, given by its owner, a peer or a
 * group, which knows the stream's key and the write queue).
 */
export class SendStream<E extends StreamEntry> {
  #id: Buffer
  #lastSeq: number
  #ackedUpTo: number
  /** Highest seq whose entry is on disk (sending before that is forbidden). */
  #persistedSeq: number
  /** Highest seq written to the current link (reset on every new link). */
  #sentUpTo: number
  readonly cache: OutboxCache<E>
  /** The outbox entries on disk (first seq, count), in seq order: what a receipt deletes. */
  #ranges: Array<{ seq: number, count: number }> = []
  #waiters: Array<{ seq: number, resolve: (delivered: boolean) => void }> = []
  #pumping = false
  #repump = false
  readonly #save: SaveStream

  constructor (marks: SendMarks, save: SaveStream, cacheLimit = OUTBOX_CACHE_LIMIT) {
    this.#save = save
    this.#id = marks.id
    this.#lastSeq = marks.lastSeq
    this.#ackedUpTo = marks.ackedUpTo
    this.#persistedSeq = marks.lastSeq
    this.#sentUpTo = marks.ackedUpTo
    this.cache = new OutboxCache<E>(cacheLimit)
  }

  get id (): Buffer { return this.#id }
  get lastSeq (): number { return this.#lastSeq }
  get ackedUpTo (): number { return this.#ackedUpTo }
  get persistedSeq (): number { return this.#persistedSeq }
  get sentUpTo (): number { return this.#sentUpTo }
  /** Whether the outbox holds entries (a receipt is awaited). */
  get unacknowledged (): boolean { return this.#ackedUpTo < this.#lastSeq }
  marks (): SendMarks { return { id: this.#id, lastSeq: this.#lastSeq, ackedUpTo: this.#ackedUpTo } }

  /** Outbox ranges read at start (only a stream with entries in flight has any). */
  loadRanges (ranges: Array<{ seq: number, count: number }>): void {
    this.#ranges = ranges.map((r) => ({ seq: r.seq, count: r.count }))
  }

  /** Takes `count` seqs for new entries, stored as one outbox range; returns the first. */
  reserve (count: number): number {
    const first = this.#lastSeq + 1
    this.#lastSeq += count
    this.#ranges.push({ seq: first, count })
    this.#save(false)
    return first
  }

  /** Entries up to `seq` are on disk: they may be sent. */
  persisted (seq: number): void {
    if (seq > this.#persistedSeq) this.#persistedSeq = seq
  }

  /** A new link (or none): everything unacknowledged goes again. */
  relinked (): void { this.#sentUpTo = this.#ackedUpTo }

  /** Entries up to `seq` were written to the current link. */
  wrote (seq: number): void { this.#sentUpTo = seq }

  /** Whether persisted entries wait to be written to the link. */
  get due (): boolean { return this.#sentUpTo < this.#persistedSeq }

  /** Cached entries to send next, in seq order (empty: read them from the outbox). */
  cachedToSend (max: number): E[] {
    const out: E[] = []
    for (let seq = this.#sentUpTo + 1; seq <= this.#persistedSeq && out.length < max; seq++) {
      const rec = this.cache.get(seq)
      if (rec === undefined) break
      out.push(rec)
    }
    return out
  }

  /** One pump at a time: false (and a rerun asked for) while one runs. */
  beginPump (): boolean {
    if (this.#pumping) { this.#repump = true; return false }
    this.#pumping = true
    return true
  }

  /** Whether the running pump must go round again (something was queued meanwhile). */
  pumpAgain (): boolean {
    const again = this.#repump
    this.#repump = false
    return again
  }

  endPump (): void { this.#pumping = false }

  judge (upTo: number): ReceiptVerdict { return judgeReceipt(upTo, this.#ackedUpTo, this.#lastSeq) }

  /**
   * The reader holds everything up to `upTo` (judged 'advance'): drops the cached entries
   * (`each` sees them), settles waiters, and returns the first seqs of the outbox ranges now
   * fully acknowledged, for the owner to delete.
   */
  acknowledge (upTo: number, each?: (rec: E) => void): number[] {
    this.cache.dropUpTo(upTo, each)
    this.#ackedUpTo = upTo
    if (this.#sentUpTo < upTo) this.#sentUpTo = upTo
    const done: number[] = []
    while (this.#ranges.length > 0 && this.#ranges[0].seq + this.#ranges[0].count - 1 <= upTo) done.push(this.#ranges.shift()!.seq)
    // Rides with the next batch: a receipt lost in a crash is only asked for again.
    this.#save(true)
    this.#settle()
    return done
  }

  /** My state was rolled back (the reader holds more than I sent): go on in stream `id` from ackedUpTo. */
  restart (id: Buffer): void {
    this.#id = id
    this.#sentUpTo = this.#ackedUpTo
    this.#save(false)
  }

  /** Saves the record as it is (a new stream, one migrated, or marks rolled back). */
  save (): void { this.#save(false) }

  /** A write failed: nothing above `lastSeq` reached the disk. */
  rollBack (lastSeq: number): void {
    this.#lastSeq = lastSeq
    this.#persistedSeq = Math.min(this.#persistedSeq, lastSeq)
    this.cache.dropAbove(lastSeq)
    this.#ranges = this.#ranges
      .filter((r) => r.seq <= lastSeq)
      .map((r) => ({ seq: r.seq, count: Math.min(r.count, lastSeq - r.seq + 1) }))
    if (this.#sentUpTo > lastSeq) this.#sentUpTo = lastSeq
  }

  /** The state an entry of this stream shows. */
  stateOf (seq: number): 'queued' | 'sent' | 'delivered' { return deliveryState(seq, this.#ackedUpTo, this.#sentUpTo) }

  /** Resolves true once `seq` is acknowledged, false after `timeoutMs` or when the stream ends. */
  waitDelivered (seq: number, timeoutMs: number): Promise<boolean> {
    if (seq <= this.#ackedUpTo) return Promise.resolve(true)
    return new Promise((resolve) => {
      const waiter = { seq, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok) } }
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        resolve(false)
      }, Math.max(0, timeoutMs))
      this.#waiters.push(waiter)
    })
  }

  /** The stream ends (its conversation is gone, the daemon stops): nobody waits any more. */
  close (): void {
    for (const w of this.#waiters) w.resolve(false)
    this.#waiters = []
  }

  #settle (): void {
    if (this.#waiters.length === 0) return
    this.#waiters = this.#waiters.filter((w) => {
      if (w.seq > this.#ackedUpTo) return true
      w.resolve(true)
      return false
    })
  }
}
