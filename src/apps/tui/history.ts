/**
 * Loads a conversation's history from the daemon a page at a time: the last screenful when a window
 * opens, and older pages (`before` = the oldest loaded index) when the view reaches the top. A
 * conversation of any length opens at once because nothing else is ever fetched.
 */
import type { ChatClient } from './client.js'
import { errorText } from './commands.js'
import type { SystemLevel } from './format.js'
import type { ChatWindow } from './windows.js'
import type { HistoryEntry } from './client.js'
import type { GroupHistoryEntry } from '../../daemon/api.js'
import { groupLine } from './groups.js'

/** The part of the controller the loader needs. */
export interface HistoryHost {
  readonly client: ChatClient
  readonly bodyHeight: number
  readonly closed: boolean
  print: (win: ChatWindow, text: string, level?: SystemLevel) => void
  ui: { render: () => void }
}

const MIN_FIRST = 20
const MIN_PAGE = 50

export class HistoryLoader {
  constructor (readonly host: HistoryHost) {}

  /** The last screenful (each message takes at least one row). */
  get firstLimit (): number {
    return Math.max(MIN_FIRST, this.host.bodyHeight)
  }

  get pageLimit (): number {
    return Math.max(MIN_PAGE, this.host.bodyHeight * 2)
  }

  readonly #initial = new WeakMap<ChatWindow, Promise<void>>()

  /** Loads the last screenful once; a second call waits for the same load. */
  async loadInitial (win: ChatWindow): Promise<void> {
    const pending = this.#initial.get(win)
    if (pending !== undefined) return await pending
    if (win.history !== 'none') return
    const load = this.#loadInitial(win)
    this.#initial.set(win, load)
    await load
  }

  async #loadInitial (win: ChatWindow): Promise<void> {
    win.history = 'loading'
    const limit = this.firstLimit
    try {
      const page = await this.host.client.call('historyPage', { friend: win.key, limit })
      add(win, page.entries)
      win.buffer.hasOlder = page.next !== null
    } catch (err) {
      win.buffer.hasOlder = false
      this.host.print(win, `cannot load history: ${errorText(err)}`, 'error')
    }
    win.history = 'ready'
    if (!this.host.closed) this.host.ui.render()
  }

  /** Fetches the page before the oldest loaded message, once at a time. */
  async loadOlder (win: ChatWindow): Promise<void> {
    if (win.history !== 'ready' || win.loadingOlder || !win.buffer.hasOlder) return
    // null after /clear emptied the window: page back from the newest message
    const before = win.buffer.oldestIndex()
    win.loadingOlder = true
    this.host.ui.render()
    const limit = this.pageLimit
    try {
      const params = before === null ? { friend: win.key, limit } : { friend: win.key, limit, before }
      const page = await this.host.client.call('historyPage', params)
      add(win, page.entries)
      // A page is bounded by bytes too: large messages make it short, and `next` says whether more is there.
      win.buffer.hasOlder = page.next !== null && (before === null || page.entries.some(m => m.index < before))
    } catch (err) {
      this.host.print(win, `cannot load older history: ${errorText(err)}`, 'error')
    }
    win.loadingOlder = false
    if (!this.host.closed) this.host.ui.render()
  }
}

/** A group's history (asked where a friend's would be) carries authors: its lines go in as group lines. */
function add (win: ChatWindow, list: HistoryEntry[]): void {
  for (const m of list) win.buffer.addMessage(win.kind === 'group' ? groupLine(m as unknown as GroupHistoryEntry) : m)
}
