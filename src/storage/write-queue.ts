import type { StoreOp as Op } from './profile-store.js'

/** The longest a deferred op waits for company before it is written alone. */
const DEFER_MS = 200

export interface WriteQueueHooks {
  /** Called after each batch is on disk, before its callbacks. */
  committed?: () => void
  /**
   * Called once when a batch fails. From then on the queue refuses writes until resume():
   * everything queued after the failed batch was decided against state that assumed it was
   * stored (a message's seq, a history index), so it must not be written either.
   */
  failed?: (err: Error) => void
}

/**
 * Group commit: every write of the daemon goes through here, in call order. Ops queued while
 * a batch is in flight go out together in the next one, so a burst costs a few LevelDB
 * batches instead of one per message, and batches can never overtake each other.
 */
export class WriteQueue {
  #ops: Op[] = []
  /** Ops that may wait for the next batch (or DEFER_MS): nothing is waiting on them. */
  #deferred: Op[] = []
  #deferTimer: NodeJS.Timeout | null = null
  #after: Array<() => void> = []
  #failed: Array<(err: Error) => void> = []
  #writing = false
  #scheduled = false
  #idle: Array<() => void> = []
  /** Records whose owner asked for them to be saved: each is encoded once, at its latest, per batch. */
  #records = new Map<string, () => Op | null>()
  /** A record saved without `defer` waits for the next batch. */
  #urgent = false
  /** Set after a failed batch: writes are refused with it until resume(). */
  #refusing: Error | null = null
  readonly #apply: (ops: Op[]) => Promise<void>
  readonly #hooks: WriteQueueHooks

  constructor (apply: (ops: Op[]) => Promise<void>, hooks: WriteQueueHooks = {}) {
    this.#apply = apply
    this.#hooks = hooks
  }

  /** The error writes are refused with since a batch failed, or null when writing. */
  get refusing (): Error | null { return this.#refusing }

  /** Refuses writes from now on, as after a failed batch (the disk is known to be full). */
  refuse (err: Error): void {
    this.#refusing ??= err
  }

  /** Writes again after a failure (the caller has put its in-memory state back to what is on disk). */
  resume (): void {
    if (this.#refusing === null) return
    this.#refusing = null
    if (this.#deferred.length > 0 || this.#records.size > 0) this.push([])
  }

  /**
   * The record under `key` changed: `encode` gives its op (null: nothing to write any more) and
   * runs when the batch is made, so a record changed by every message of a burst is encoded once
   * per batch and always matches the ops written with it. With `defer`, it waits like defer().
   */
  save (key: string, encode: () => Op | null, defer = false): void {
    this.#records.set(key, encode)
    // Kept while refusing: written with the first batch after resume().
    if (this.#refusing !== null) return
    if (defer) return this.#armDefer()
    this.#urgent = true
    this.#schedule()
  }

  /** Queues ops; `after` runs once they are on disk. */
  push (ops: Op[], after?: () => void, failed?: (err: Error) => void): void {
    const refusing = this.#refusing
    if (refusing !== null) {
      if (failed) queueMicrotask(() => failed(refusing))
      return
    }
    for (const op of ops) this.#ops.push(op)
    if (after) this.#after.push(after)
    if (failed) this.#failed.push(failed)
    this.#schedule()
  }

  /**
   * Queues ops that nobody waits for (a receipt's bookkeeping): they ride along with the next
   * batch, or go alone after DEFER_MS. Losing them in a crash only means work done again
   * (the receipt is asked for again), so a ping-pong pays one disk write per message, not two.
   */
  defer (ops: Op[]): void {
    for (const op of ops) this.#deferred.push(op)
    this.#armDefer()
  }

  #armDefer (): void {
    if (this.#deferTimer !== null || this.#refusing !== null) return
    this.#deferTimer = setTimeout(() => { this.#deferTimer = null; this.push([]) }, DEFER_MS)
    this.#deferTimer.unref()
  }

  /** Resolves when everything queued so far (deferred ops included) is written. */
  flushed (): Promise<void> {
    if (this.#deferTimer !== null) this.push([])
    if (!this.#writing && !this.#scheduled && this.#ops.length === 0 && this.#records.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #schedule (): void {
    if (this.#writing || this.#scheduled) return
    this.#scheduled = true
    // A microtask still gathers every op queued in the same turn, without waiting for the
    // event loop's next check phase (that wait was most of a message's latency).
    queueMicrotask(() => { this.#scheduled = false; void this.#flush() })
  }

  async #flush (): Promise<void> {
    if (this.#deferTimer !== null) { clearTimeout(this.#deferTimer); this.#deferTimer = null }
    const deferred = this.#deferred
    const ops = deferred.length === 0 ? this.#ops : deferred.concat(this.#ops)
    for (const encode of this.#records.values()) {
      const op = encode()
      if (op !== null) ops.push(op)
    }
    this.#records.clear()
    this.#urgent = false
    this.#deferred = []
    const after = this.#after
    const failed = this.#failed
    this.#ops = []
    this.#after = []
    this.#failed = []
    if (ops.length === 0 && after.length === 0) return this.#settle()
    this.#writing = true
    try {
      await this.#apply(ops)
      this.#hooks.committed?.()
      for (const fn of after) fn()
    } catch (err) {
      // Deferred bookkeeping is kept for after resume(); what waits on this batch, and what
      // queued behind it, is told it was not stored.
      this.#deferred = deferred.concat(this.#deferred)
      this.#refusing = err as Error
      const behind = this.#failed
      this.#ops = []
      this.#after = []
      this.#failed = []
      this.#urgent = false
      for (const fn of failed) fn(err as Error)
      for (const fn of behind) fn(err as Error)
      this.#hooks.failed?.(err as Error)
    } finally {
      this.#writing = false
    }
    if (this.#refusing === null && (this.#ops.length > 0 || this.#after.length > 0 || this.#urgent)) this.#schedule()
    else this.#settle()
  }

  #settle (): void {
    const idle = this.#idle
    this.#idle = []
    for (const fn of idle) fn()
  }
}
