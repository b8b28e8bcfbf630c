import type { OutboxRecord } from '../wire/records.js'

/**
 * Unacknowledged entries of a stream of mine (chat: messages) kept in memory for sending without a DB read: a run of
 * consecutive seqs, appended by `send` and dropped from the front by receipts (which are
 * cumulative). A message that does not extend the run (the cache was full) is simply not
 * cached; the run restarts once it has drained, and the pump reads the gap from the outbox.
 */
export class OutboxCache<E extends { seq: number } = OutboxRecord> {
  readonly #limit: number
  #items: Array<E | undefined> = []
  #head = 0

  constructor (limit: number) {
    this.#limit = limit
  }

  get size (): number { return this.#items.length - this.#head }

  /** Caches `rec` if it extends the run and there is room; false otherwise. */
  add (rec: E): boolean {
    const n = this.size
    if (n >= this.#limit) return false
    if (n > 0 && this.#items[this.#items.length - 1]!.seq + 1 !== rec.seq) return false
    if (n === 0) { this.#items = []; this.#head = 0 }
    this.#items.push(rec)
    return true
  }

  get (seq: number): E | undefined {
    const n = this.size
    if (n === 0) return undefined
    const i = seq - this.#items[this.#head]!.seq
    return i >= 0 && i < n ? this.#items[this.#head + i] : undefined
  }

  /** Drops every cached message with seq > seq (they were never stored: a write failed). */
  dropAbove (seq: number): void {
    while (this.size > 0 && this.#items[this.#items.length - 1]!.seq > seq) this.#items.pop()
  }

  /** Drops every cached message with seq ≤ upTo, calling `each` on them in seq order. */
  dropUpTo (upTo: number, each?: (rec: E) => void): void {
    while (this.#head < this.#items.length && this.#items[this.#head]!.seq <= upTo) {
      const rec = this.#items[this.#head]!
      this.#items[this.#head++] = undefined
      each?.(rec)
    }
    // Compact now and then so a long-lived run does not keep a growing array of holes.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
  }
}
