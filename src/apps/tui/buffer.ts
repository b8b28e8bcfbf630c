/**
 * The lines of one window: messages (from history and events, deduplicated by id, ordered by their
 * history index) and system lines. Delivery marks move forward only (queued → sent → delivered), and a
 * `sent`/`receipt` event that overtakes the `send` reply is remembered until the message shows up.
 */
import { fileMessageText } from '../../daemon/api.js'
import type { DeliveryState, HistoryEntry } from './client.js'
import type { SystemLevel } from './format.js'
import type { Row } from './wrap.js'

export interface MsgEntry {
  kind: 'msg'
  id: string
  /** Position in the daemon's history of this friendship; null for a just-sent line not yet echoed. */
  index: number | null
  /** Per-friendship sequence number of my messages (what `sent`/`receipt` events count up to). */
  seq: number | null
  from: string
  text: string
  action: boolean
  sentAt: number
  state: DeliveryState
  /** Mine, sent from another of my devices (docs/devices.md). */
  elsewhere?: boolean
}

export interface SysEntry {
  kind: 'sys'
  text: string
  level: SystemLevel
  at: number
  /** Pre-drawn rows (a QR code) shown as they are, not wrapped. */
  rows?: Row[]
}

export type Entry = MsgEntry | SysEntry

export type IncomingMessage = Pick<HistoryEntry, 'id' | 'from' | 'text' | 'sentAt' | 'state' | 'elsewhere'> & {
  index?: number | null
  seq?: number | null
  kind?: HistoryEntry['kind']
}

const RANK: Record<DeliveryState, number> = { queued: 0, sent: 1, delivered: 2 }
const MAX_EARLY = 1000

function isIndexed (e: Entry): boolean {
  return e.kind === 'msg' && e.index !== null
}

export function laterState (a: DeliveryState, b: DeliveryState): DeliveryState {
  return RANK[b] > RANK[a] ? b : a
}

export class MessageBuffer {
  readonly entries: Entry[] = []
  /** False once the daemon said there is nothing older than what is loaded. */
  hasOlder = true
  readonly #byId = new Map<string, MsgEntry>()
  readonly #early = new Map<string, DeliveryState>()
  /** Highest seq covered by a `sent` / `receipt` event so far. */
  readonly #upTo: Record<'sent' | 'delivered', number> = { sent: -1, delivered: -1 }

  get messageCount (): number {
    return this.#byId.size
  }

  has (id: string): boolean {
    return this.#byId.has(id)
  }

  get (id: string): MsgEntry | undefined {
    return this.#byId.get(id)
  }

  /** Adds a message unless its id is already here (then only its state and index are updated). */
  addMessage (m: IncomingMessage): 'added' | 'updated' {
    const known = this.#byId.get(m.id)
    if (known !== undefined) {
      known.state = laterState(known.state, m.state)
      if (known.index === null && typeof m.index === 'number') known.index = m.index
      if (known.seq === null && typeof m.seq === 'number') known.seq = m.seq
      return 'updated'
    }
    let state = m.state
    const early = this.#early.get(m.id)
    if (early !== undefined) {
      state = laterState(state, early)
      this.#early.delete(m.id)
    }
    const seq = typeof m.seq === 'number' ? m.seq : null
    if (m.from === 'me' && seq !== null) {
      if (seq <= this.#upTo.sent) state = laterState(state, 'sent')
      if (seq <= this.#upTo.delivered) state = laterState(state, 'delivered')
    }
    const entry: MsgEntry = {
      kind: 'msg',
      id: m.id,
      index: typeof m.index === 'number' ? m.index : null,
      seq,
      from: m.from,
      // A file message's text is for the daemon (a manifest, a cancel notice); people get what it is.
      text: m.kind === 'file' ? fileLine(m.text) : m.text,
      action: m.kind === 'action',
      sentAt: m.sentAt,
      state,
      ...(m.elsewhere === true ? { elsewhere: true } : {})
    }
    this.#byId.set(m.id, entry)
    this.#insert(entry)
    return 'added'
  }

  #insert (entry: MsgEntry): void {
    const idx = entry.index
    if (idx === null) { this.entries.push(entry); return }
    // Walk back from the end: new messages land at the end, older pages at the front.
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]
      if (e.kind === 'msg' && e.index !== null && e.index < idx) {
        // after the lines printed since then, before the next indexed message
        let j = i + 1
        while (j < this.entries.length && !isIndexed(this.entries[j])) j++
        this.entries.splice(j, 0, entry)
        return
      }
    }
    const firstIndexed = this.entries.findIndex(isIndexed)
    if (firstIndexed === -1) this.entries.push(entry)
    else this.entries.splice(firstIndexed, 0, entry)
  }

  addSystem (text: string, level: SystemLevel, at: number, rows?: Row[]): SysEntry {
    const entry: SysEntry = { kind: 'sys', text, level, at, rows }
    this.entries.push(entry)
    return entry
  }

  /**
   * Applies a `sent` or `receipt` event: the listed ids, and every message of mine with seq <= upTo.
   * Returns how many shown messages changed.
   */
  setState (ids: readonly string[], state: 'sent' | 'delivered', upTo?: number): number {
    let changed = 0
    if (typeof upTo === 'number' && upTo > this.#upTo[state]) {
      this.#upTo[state] = upTo
      for (const e of this.#byId.values()) {
        if (e.from !== 'me' || e.seq === null || e.seq > upTo) continue
        const next = laterState(e.state, state)
        if (next !== e.state) { e.state = next; changed++ }
      }
    }
    for (const id of ids) {
      const e = this.#byId.get(id)
      if (e === undefined) {
        this.#early.set(id, laterState(this.#early.get(id) ?? 'queued', state))
        if (this.#early.size > MAX_EARLY) this.#early.delete(this.#early.keys().next().value as string)
        continue
      }
      const next = laterState(e.state, state)
      if (next !== e.state) { e.state = next; changed++ }
    }
    return changed
  }

  /** The smallest history index loaded: what `history {before}` pages back from. */
  oldestIndex (): number | null {
    for (const e of this.entries) if (e.kind === 'msg' && e.index !== null) return e.index
    return null
  }

  /** Drops the oldest entries beyond `max` (they can be paged in again); returns how many. */
  trim (max: number): number {
    const extra = this.entries.length - max
    if (extra <= 0) return 0
    const dropped = this.entries.splice(0, extra)
    for (const e of dropped) {
      if (e.kind === 'msg') { this.#byId.delete(e.id); this.hasOlder = true }
    }
    return extra
  }

  clear (): void {
    if (this.#byId.size > 0) this.hasOlder = true
    this.entries.length = 0
    this.#byId.clear()
  }
}

function fileLine (text: string): string {
  const shown = fileMessageText(text)
  return shown.startsWith('[file offer') ? `${shown.slice(0, -1)} — /accept saves it]` : shown
}
