import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { decodeJournal, JOURNAL_MAGIC, type JournalContents } from '../wire/journal.js'
import { storeError } from './disk.js'

/**
 * The write-ahead journal of a profile's database: every batch is appended here with one
 * synchronous write() before anyone is told it is stored, and reaches LevelDB afterwards.
 * Once write() returns, the bytes survive a kill -9 of the process, which is exactly what
 * LevelDB's own log (without fsync) promises; but LevelDB only writes from libuv's thread
 * pool, and on a busy 2-core machine waking that thread cost up to 4 ms at p99 per message.
 * Records are replayed into LevelDB at the next open, skipping the batches LevelDB already
 * holds; the file is emptied whenever LevelDB has caught up with all of it.
 */
export class Journal {
  readonly path: string
  #fd: number
  #bytes: number

  private constructor (path: string, fd: number, bytes: number) {
    this.path = path
    this.#fd = fd
    this.#bytes = bytes
  }

  /** Opens (or creates) the journal and reads what an earlier run left in it. */
  static open (path: string): { journal: Journal, contents: JournalContents } {
    const file = existsSync(path) ? readFileSync(path) : Buffer.alloc(0)
    const contents = decodeJournal(file)
    // Damage is kept aside for inspection, never silently thrown away.
    if (contents.damaged) {
      try {
        writeFileSync(`${path}.damaged-${Date.now()}`, file, { mode: 0o600 })
      } catch (err) {
        throw storeError(err, `cannot keep the damaged journal ${path} aside`)
      }
    }
    const fd = openSync(path, 'a', 0o600)
    return { journal: new Journal(path, fd, file.byteLength), contents }
  }

  get bytes (): number { return this.#bytes }

  /**
   * Appends one encoded record; throws a PsstError (DISK_FULL or STORE_FAILED) if the disk
   * refuses it. Then the file is cut back to where it was: a partial record followed by
   * later ones would read as damage at the next replay and hide every batch after it.
   */
  append (record: Buffer): void {
    const before = this.#bytes
    try {
      if (before === 0) this.#write(JOURNAL_MAGIC)
      this.#write(record)
    } catch (err) {
      this.#cutBack(before)
      throw storeError(err, `cannot write to ${this.path}; nothing was stored`)
    }
  }

  #write (b: Buffer): void {
    let done = 0
    while (done < b.byteLength) done += writeSync(this.#fd, b, done, b.byteLength - done)
    this.#bytes += b.byteLength
  }

  #cutBack (bytes: number): void {
    try {
      ftruncateSync(this.#fd, bytes)
      this.#bytes = bytes
    } catch {
      // Truncating never needs space; if even that fails, the next replay stops at the
      // partial record and reports it (and the batch seqs keep it from rolling back).
    }
  }

  /** Empties the journal: call only when LevelDB holds every record in it. */
  reset (): void {
    if (this.#bytes === 0) return
    ftruncateSync(this.#fd, 0)
    this.#bytes = 0
  }

  close (): void {
    closeSync(this.#fd)
  }
}
