/**
 * The window list, irssi-style: window 1 is "home", then one window per open conversation, plus
 * "requests" while friend requests are pending. Numbers are positions (closing renumbers, like irssi's
 * windows_auto_renumber). Activity levels drive the `[Act: 2,3]` list in the status bar.
 */
import { MessageBuffer } from './buffer.js'
import type { Entry } from './buffer.js'

/** A scrollback search in one window (src/apps/tui/search.ts runs it; the window only keeps it). */
export interface SearchState {
  query: string
  /** Matching entries, oldest first. */
  matches: Entry[]
  /** Index in `matches` of the one shown. */
  at: number
}

export type WindowKind = 'home' | 'friend' | 'requests' | 'group'

/** 0 nothing new, 1 status lines, 2 messages, 3 highlights (a friend's message, a friend request). */
export type ActivityLevel = 0 | 1 | 2 | 3

export interface ChatWindow {
  kind: WindowKind
  /** 'home', 'requests', the friend's public key, or the group's id. */
  key: string
  buffer: MessageBuffer
  activity: ActivityLevel
  /** Rows scrolled up from the bottom; 0 means the view follows new lines. */
  scroll: number
  /** History: 'none' before the first load, then 'loading' / 'ready'. */
  history: 'none' | 'loading' | 'ready'
  loadingOlder: boolean
  /**
   * The read marker (irssi's trackbar, WeeChat's read marker): the last entry shown when you left the
   * window. A line under it tells what came while you were away.
   */
  marker: Entry | null
  /** An active scrollback search (/search, Ctrl+R), or null. */
  search: SearchState | null
}

export function newWindow (kind: WindowKind, key: string): ChatWindow {
  return { kind, key, buffer: new MessageBuffer(), activity: 0, scroll: 0, history: 'none', loadingOlder: false, marker: null, search: null }
}

export class WindowList {
  readonly windows: ChatWindow[] = [newWindow('home', 'home')]
  #active = 0
  /** The window shown before the active one: where closing the active window returns to. */
  #previous: ChatWindow | null = null

  get active (): ChatWindow {
    return this.windows[this.#active]
  }

  /** 1-based number of the active window. */
  get activeNumber (): number {
    return this.#active + 1
  }

  get home (): ChatWindow {
    return this.windows[0]
  }

  find (key: string): ChatWindow | undefined {
    return this.windows.find(w => w.key === key)
  }

  numberOf (win: ChatWindow): number {
    return this.windows.indexOf(win) + 1
  }

  /** Opens (or finds) a window; does not switch to it. */
  open (kind: WindowKind, key: string): ChatWindow {
    const found = this.find(key)
    if (found !== undefined) return found
    const win = newWindow(kind, key)
    this.windows.push(win)
    return win
  }

  /** Switches to window `n` (1-based); returns the window left, or null if nothing changed. */
  switchTo (n: number): ChatWindow | null {
    const i = n - 1
    if (i < 0 || i >= this.windows.length || i === this.#active) return null
    const left = this.active
    this.#previous = left
    this.#active = i
    this.active.activity = 0
    return left
  }

  switchToWindow (win: ChatWindow): ChatWindow | null {
    return this.switchTo(this.numberOf(win))
  }

  /** Ctrl+N: next window, wrapping around. */
  next (): ChatWindow | null {
    return this.switchTo(((this.#active + 1) % this.windows.length) + 1)
  }

  /** Ctrl+P: previous window, wrapping around. */
  prev (): ChatWindow | null {
    return this.switchTo(((this.#active - 1 + this.windows.length) % this.windows.length) + 1)
  }

  /** Closes a window (never home). If it was active, the previously shown one (else the one before) is. */
  close (win: ChatWindow): boolean {
    const i = this.windows.indexOf(win)
    if (i <= 0) return false
    const activeWin = this.active
    this.windows.splice(i, 1)
    const back = this.#previous !== null && this.#previous !== win ? this.windows.indexOf(this.#previous) : -1
    if (this.#previous === win) this.#previous = null
    if (activeWin === win) this.#active = back >= 0 ? back : Math.max(0, i - 1)
    else this.#active = this.windows.indexOf(activeWin)
    this.active.activity = 0
    return true
  }

  /** Raises a window's activity level; the active window never collects activity. */
  bump (win: ChatWindow, level: ActivityLevel): void {
    if (win === this.active) return
    if (level > win.activity) win.activity = level
  }

  /** Windows with activity, by number: what `[Act: …]` shows. */
  activityList (): Array<{ number: number, level: ActivityLevel }> {
    const out: Array<{ number: number, level: ActivityLevel }> = []
    this.windows.forEach((w, i) => { if (w.activity > 0) out.push({ number: i + 1, level: w.activity }) })
    return out
  }
}
