import type { WriteQueue } from '../storage/write-queue.js'
import type { PsstEvent } from '../wire/api.js'
import type { Peer, PeerMarks } from './peer.js'
import type { StorageInfo } from '../wire/api.js'
import { isDiskFull } from '../storage/disk.js'
import { PsstError } from '../errors.js'

/** How often a daemon that cannot write checks whether it can again. */
const PROBE_MS = 2000
/** Room asked for beyond the reserve before resuming: a few messages' worth, so it does not stop again at once. */
const PROBE_BYTES = 256 * 1024

type Marks = PeerMarks

/** What the guard needs of the messenger (an interface, so the two files do not import each other). */
export interface GuardedMessenger {
  readonly friends: Map<string, Peer>
  readonly store: { hasRoom (bytes: number): boolean }
  readonly writes: WriteQueue
  readonly closing: boolean
  now (): number
  count (name: string): void
  log (line: string): void
  emitEvent (event: PsstEvent): void
  dial (rt: Peer): void
}

/**
 * What the daemon does when the disk refuses a write (full, or failing): nothing that was not
 * stored is acknowledged, shown, or built upon. Every in-memory mark that ran ahead of the disk
 * (a friend's received-up-to, my last seq, the history index) goes back to the last record that
 * was written, the friends' links are closed and new ones refused, so a sender keeps its
 * messages queued and resends them from what was stored; the daemon says so (status, event,
 * log) and resumes by itself once a probe write succeeds (docs/design.md, Storage).
 */
export class DiskGuard {
  readonly #m: GuardedMessenger
  /** Per friend, the marks of the last friend record that reached the disk. */
  readonly #saved = new WeakMap<Peer, Marks>()
  /** Marks of records in the batch being written, saved once it is on disk. */
  #staged: Array<[Peer, Marks]> = []
  #state: StorageInfo = { state: 'ok', message: '', since: 0 }
  #probe: NodeJS.Timeout | null = null

  constructor (m: GuardedMessenger) {
    this.#m = m
  }

  get refusing (): boolean { return this.#state.state !== 'ok' }
  info (): StorageInfo { return { ...this.#state } }

  /** At start: a disk already in its reserve is reported at once, not at the first message. */
  checkAtStart (): void {
    if (this.#m.store.hasRoom(0)) return
    const err = new PsstError('DISK_FULL', 'disk full')
    this.#m.writes.refuse(err)
    this.failed(err)
  }

  /** The record as loaded is what the disk holds. */
  loaded (rt: Peer): void {
    this.#saved.set(rt, rt.marks())
  }

  /** The record goes into the batch being written now. */
  staged (rt: Peer): void {
    this.#staged.push([rt, rt.marks()])
  }

  committed (): void {
    for (const [rt, marks] of this.#staged) this.#saved.set(rt, marks)
    this.#staged = []
  }

  /** A batch failed: the write queue refuses writes until resume(). */
  failed (err: Error): void {
    this.#staged = []
    const m = this.#m
    const full = isDiskFull(err)
    const message = full ? 'disk full: new messages are refused (friends keep them queued) until space is freed' : `cannot write to the profile: ${err.message}`
    this.#state = { state: full ? 'full' : 'failed', message, since: m.now() }
    m.count(full ? 'disk-full' : 'store-failed')
    m.log(`${message}; checking again every ${PROBE_MS / 1000} s`)
    for (const rt of m.friends.values()) this.#rollBack(rt)
    m.emitEvent({ type: 'storage', ...this.info() })
    m.emitEvent({ type: 'warning', message })
    this.#scheduleProbe()
  }

  #rollBack (rt: Peer): void {
    const saved = this.#saved.get(rt)
    if (saved !== undefined) rt.rollBack(saved)
    // Everything else in the record (presence, acks) is newer than the disk and still true.
    rt.save()
    // The peer resends from what hello says is stored once a link is made again.
    rt.link?.destroy()
  }

  #scheduleProbe (): void {
    if (this.#probe !== null) return
    this.#probe = setTimeout(() => {
      this.#probe = null
      if (this.#m.closing) return
      if (this.#m.store.hasRoom(PROBE_BYTES)) this.#resume()
      else this.#scheduleProbe()
    }, PROBE_MS)
    this.#probe.unref()
  }

  #resume (): void {
    const m = this.#m
    this.#state = { state: 'ok', message: '', since: m.now() }
    m.writes.resume()
    m.log('storage writable again: resuming')
    m.emitEvent({ type: 'storage', ...this.info() })
    // The records marked dirty at the failure are written with the first batch.
    m.writes.push([])
    for (const rt of m.friends.values()) m.dial(rt)
  }

  close (): void {
    if (this.#probe !== null) clearTimeout(this.#probe)
    this.#probe = null
  }
}
