import type { SaveStream } from './send-stream.js'
import { judgeIncoming, judgeTheirStream, type IncomingVerdict, type TheirStreamVerdict } from './decide.js'

/** The durable part of a stream someone else authors: what its record on disk holds. */
export interface ReceiveMarks {
  /** Their stream id that `upTo` counts (all zeros until their hello names one). */
  id: Buffer
  /** Highest contiguous seq of theirs taken (stored, or being written in order). */
  upTo: number
}

/**
 * After their stream was replaced (a restored profile resends under a new id, docs/design.md,
 * Delivery): new seqs up to `upTo` may repeat an entry I hold; `ids` are those I hold (null while
 * they are read), `held` what came meanwhile.
 */
export interface Dedupe<T> {
  upTo: number
  ids: Set<string> | null
  held: T[]
}

/**
 * A durable stream someone else authors, as I read it: how far I have taken it, how far that is
 * on disk (what hellos and receipts may claim), the pending delayed receipt, and the dedupe of a
 * replaced stream. Generic: it never sees what its entries carry. Each method that changes its
 * marks asks for its record to be saved (`save`, given by its owner).
 */
export class ReceiveStream<T = unknown> {
  #id: Buffer
  #upTo: number
  /** Highest contiguous seq on disk: what a receipt may claim. */
  #stored: number
  #ackTimer: NodeJS.Timeout | null = null
  #dedupe: Dedupe<T> | null = null
  readonly #save: SaveStream

  constructor (marks: ReceiveMarks, save: SaveStream) {
    this.#save = save
    this.#id = marks.id
    this.#upTo = marks.upTo
    this.#stored = marks.upTo
  }

  get id (): Buffer { return this.#id }
  get upTo (): number { return this.#upTo }
  get stored (): number { return this.#stored }
  marks (): ReceiveMarks { return { id: this.#id, upTo: this.#upTo } }

  get dedupe (): Dedupe<T> | null { return this.#dedupe }
  /** Starts (or, with null, ends) the dedupe of a replaced stream. */
  setDedupe (d: Dedupe<T> | null): void { this.#dedupe = d }

  judge (seq: number): IncomingVerdict { return judgeIncoming(seq, this.#upTo) }

  /** Entry `seq` (the next one) is taken: the next call judges against it. */
  take (seq: number): void {
    this.#upTo = seq
    this.#save(false)
  }

  /** Saves the record as it is (a new stream, one migrated, or marks rolled back). */
  save (): void { this.#save(false) }

  /** Entries up to `seq` of stream `id` are on disk (a later hello may have switched the stream). */
  onStored (seq: number, id: Buffer): void {
    if (id === this.#id && seq > this.#stored) this.#stored = seq
  }

  judgeHello (id: Uint8Array, base: number): TheirStreamVerdict { return judgeTheirStream(id, base, this.#id, this.#upTo) }

  /** A stream of theirs I did not know: counted from its base. `id` is copied (hello fields are views). */
  adopt (id: Uint8Array, base: number): void {
    this.#id = Buffer.from(id)
    this.#upTo = base
    this.#stored = base
    this.#save(false)
  }

  /** They know I stored up to `base` (my state was rolled back): what lies between is gone. */
  skipTo (base: number): void {
    this.#upTo = base
    if (base > this.#stored) this.#stored = base
    this.#save(false)
  }

  /** A write failed: nothing above `upTo` reached the disk. */
  rollBack (upTo: number): void {
    this.#upTo = upTo
    if (this.#stored > upTo) this.#stored = upTo
  }

  /** Sends a receipt after `delayMs` unless one is already pending. */
  scheduleReceipt (delayMs: number, send: () => void): void {
    if (this.#ackTimer !== null) return
    this.#ackTimer = setTimeout(() => { this.#ackTimer = null; send() }, delayMs)
  }

  /** Takes the pending receipt (to send it now, with other frames): true if one was pending. */
  takeReceipt (): boolean {
    if (this.#ackTimer === null) return false
    clearTimeout(this.#ackTimer)
    this.#ackTimer = null
    return true
  }
}
