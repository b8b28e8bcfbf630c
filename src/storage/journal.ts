import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { decodeJournal, type JournalContents } from '../wire/journal.js'
import { PsstError } from '../errors.js'

/**
 * The write-ahead journal of a profile's database: every batch is appended here with one
 * synchronous write() before anyone is told it is stored, and reaches LevelDB afterwards.
 * Once write() returns, the bytes survive a kill -9 of the process, which is exactly what
 * LevelDB's own log (without fsync) promises; but LevelDB only writes from libuv's thread
 * pool, and on a busy 2-core machine waking that thread cost up to 4 ms at p99 per message.
 * Records are replayed into LevelDB at the next open; the file is emptied whenever LevelDB
 * has caught up with all of it.
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
    if (contents.damaged) writeFileSync(`${path}.damaged-${Date.now()}`, file, { mode: 0o600 })
    const fd = openSync(path, 'a', 0o600)
    return { journal: new Journal(path, fd, file.byteLength), contents }
  }

  get bytes (): number { return this.#bytes }

  /** Appends one encoded record; throws a PsstError if the disk refuses it. */
  append (record: Buffer): void {
    try {
      let done = 0
      while (done < record.byteLength) done += writeSync(this.#fd, record, done, record.byteLength - done)
    } catch (err) {
      throw new PsstError('STORE_FAILED', `cannot write to ${this.path}: ${(err as Error).message}; nothing was stored`)
    }
    this.#bytes += record.byteLength
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
