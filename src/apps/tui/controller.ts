/**
 * The TUI's brain, without a terminal: keys in, daemon calls and events in, state out. app.ts feeds it
 * blessed's key events and paints `frame()`; unit tests drive it with a fake client.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { TransferBoard } from './transfers.js'
import { qrText } from '../../crypto/qr.js'
import { bodyView, rowsOfLast } from './body.js'
import type { Entry } from './buffer.js'
import type { ChatClient, FriendInfo, IdInfo, Presence, SendResult } from './client.js'
import { COMMANDS, errorText, findCommand } from './commands.js'
import { complete } from './complete.js'
import type { CompletionState, DirEntry } from './complete.js'
import { applyEvent } from './events.js'
import { DEFAULT_TIMESTAMP, UNICODE_GLYPHS } from './format.js'
import type { Glyphs, SystemLevel } from './format.js'
import { FriendBook } from './friends.js'
import { GroupBook, groupLine } from './groups.js'
import type { GroupHistoryEntry } from '../../daemon/api.js'
import { HistoryLoader } from './history.js'
import { InputLine } from './input-line.js'
import type { InputPiece } from './input-splitter.js'
import { KeyMap } from './keys.js'
import type { EditOp, KeyAction, KeyInput } from './keys.js'
import type { ChatSettings, ChatState } from './state.js'
import { findMatches, scrollFor } from './search.js'
import { submitLine } from './submit.js'
import { TypingNotifier } from './typing.js'
import type { Timers } from './typing.js'
import { sanitize } from '../text/sanitize.js'
import { bodyContext, buildFrame } from './view.js'
import type { Frame } from './view.js'
import { WindowList } from './windows.js'
import type { ChatWindow } from './windows.js'
import type { Row } from './wrap.js'

export type { Timers } from './typing.js'

export interface UiHooks {
  render: () => void
  bell: () => void
  redraw: () => void
  suspend: () => void
  exit: (code: number, message?: string) => void
  /** A desktop notification (app.ts runs notify-send); absent where there is no desktop. */
  notify?: (title: string, body: string) => void
}

export interface ControllerOptions {
  title?: string
  glyphs?: Glyphs
  now?: () => number
  timers?: Timers
  qr?: (text: string) => Promise<string>
  /** Public key of a friend whose window opens, focused, at start (the demo opens echo's). */
  open?: string
  settings?: Partial<ChatSettings>
}

const CTRL_C_MS = 2000
const BELL_MS = 1000
/** A burst of messages makes one notification, not a stack of them. */
const NOTIFY_MS = 3000
const NOTIFY_CHARS = 200
const MARK_READ_MS = 300
const MAX_ENTRIES = 2000
/** Far more than one message may hold (64 KiB); a paste beyond it is a mistake, not a message. */
const MAX_INPUT = 1024 * 1024

export class ChatController {
  readonly state: ChatState
  readonly input = new InputLine()
  readonly history: HistoryLoader
  cols = 80
  rows = 24
  #keys = new KeyMap()
  #completion: CompletionState | null = null
  #ctrlCAt = Number.NEGATIVE_INFINITY
  #bellAt = Number.NEGATIVE_INFINITY
  #notifyAt = Number.NEGATIVE_INFINITY
  #markRead = new Map<string, unknown>()
  #closed = false
  readonly now: () => number
  readonly timers: Timers
  readonly qr: (text: string) => Promise<string>
  readonly typing: TypingNotifier

  constructor (readonly client: ChatClient, readonly ui: UiHooks, opts: ControllerOptions = {}) {
    this.now = opts.now ?? Date.now
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: t => clearTimeout(t as NodeJS.Timeout) }
    this.qr = opts.qr ?? qrText
    this.typing = new TypingNotifier(client, this.timers, () => this.#closed)
    this.state = {
      title: opts.title, me: null, dht: 'unknown', dhtAddress: null, connected: true,
      windows: new WindowList(), book: new FriendBook(), groups: new GroupBook(), glyphs: opts.glyphs ?? UNICODE_GLYPHS,
      settings: { notify: true, timestamp: DEFAULT_TIMESTAMP, ...opts.settings },
      transfers: new TransferBoard()
    }
    this.history = new HistoryLoader(this)
    this.#open = opts.open
  }

  readonly #open: string | undefined

  get bodyHeight (): number { return Math.max(1, this.rows - 3) }

  /** Subscribes, then loads identity, status, friends and requests; failures become lines in home. */
  async start (): Promise<void> {
    this.client.onClose(() => this.connectionLost())
    this.client.onConnection?.((state, detail) => this.connectionChanged(state, detail))
    try {
      await this.client.subscribe(e => applyEvent(this, e))
    } catch (err) {
      this.print(this.state.windows.home, `cannot subscribe to events: ${errorText(err)}`, 'error')
    }
    const { friends } = await this.loadState()
    this.print(this.state.windows.home, 'welcome to psst chat — /help for commands, Ctrl+C twice or /quit to leave')
    // Like irssi's query windows: a conversation with unread messages is there to switch to.
    if (friends.status === 'fulfilled') {
      for (const f of friends.value) {
        if (f.unread > 0 && f.publicKey !== this.#open) this.markUnread(this.openFriend(f.publicKey, false), f.unread)
      }
    }
    if (this.#open !== undefined && this.state.book.friends.has(this.#open)) this.openFriend(this.#open, true)
    this.ui.render()
  }

  /** Identity, network state, friends and requests from the daemon; failures become lines in home. */
  async loadState (): Promise<{ friends: PromiseSettledResult<FriendInfo[]> }> {
    const c = this.client
    const [id, status, friends, requests, groups] = await Promise.allSettled([
      c.call('id', {}), c.call('status', {}), c.call('friends', {}), c.call('requests', {}), c.call('groupList', {})
    ])
    if (groups.status === 'fulfilled') for (const g of groups.value) this.state.groups.set(g)
    if (id.status === 'fulfilled') this.setIdentity(id.value)
    if (status.status === 'fulfilled') {
      const d = status.value.dht
      this.state.dht = d.state
      this.state.dhtAddress = d.host === null ? null : `${d.host}:${d.port ?? ''}`
    }
    if (friends.status === 'fulfilled') this.state.book.setFriends(friends.value)
    if (requests.status === 'fulfilled') {
      this.state.book.setRequests(requests.value)
      const win = this.syncRequestsWindow()
      if (win !== undefined) this.state.windows.bump(win, 3)
    }
    for (const r of [id, status, friends, requests]) {
      if (r.status === 'rejected') this.print(this.state.windows.home, `daemon: ${errorText(r.reason)}`, 'error')
    }
    return { friends }
  }

  frame (): Frame {
    return buildFrame(this.state, this.input, this.cols, this.rows, this.now())
  }

  resize (cols: number, rows: number): void {
    this.cols = cols
    this.rows = rows
    this.ui.render()
  }

  // ---- output -------------------------------------------------------------------------------

  /** Adds a system line to a window; keeps a scrolled-up view where it is. */
  print (win: ChatWindow, text: string, level: SystemLevel = 'info', rows?: Row[]): void {
    const entry = win.buffer.addSystem(text, level, this.now(), rows)
    this.afterAppend(win, entry)
  }

  /** Bookkeeping after a line lands at the bottom of a window. */
  afterAppend (win: ChatWindow, entry: Entry): void {
    const atEnd = win.buffer.entries[win.buffer.entries.length - 1] === entry
    if (win.scroll > 0 && atEnd) win.scroll += rowsOfLast(win, bodyContext(this.state), this.cols)
    // trim in steps, not one line per message, so a burst of thousands stays linear
    else if (win.buffer.entries.length > MAX_ENTRIES) win.buffer.trim(MAX_ENTRIES * 3 / 4)
    this.ui.render()
  }

  /** A message came to a window you are not looking at: tell the desktop (unless /set notify off). */
  notifyMessage (from: string, text: string): void {
    const now = this.now()
    if (!this.state.settings.notify || this.ui.notify === undefined || now - this.#notifyAt < NOTIFY_MS) return
    this.#notifyAt = now
    const body = sanitize(text, true)
    this.ui.notify(`psst: ${this.state.book.nameOf(from)}`, body.length > NOTIFY_CHARS ? `${body.slice(0, NOTIFY_CHARS)}…` : body)
  }

  bell (): void {
    const now = this.now()
    if (now - this.#bellAt < BELL_MS) return
    this.#bellAt = now
    this.ui.bell()
  }

  // ---- windows ------------------------------------------------------------------------------

  /** Opens a friend's window (loading its last screenful of history); switches to it if asked. */
  openFriend (key: string, focus: boolean): ChatWindow {
    const win = this.state.windows.open('friend', key)
    if (win.history === 'none') void this.history.loadInitial(win)
    if (focus) this.switchTo(win)
    return win
  }

  /** Opens a group's window (its last screenful and its members); switches to it if asked. */
  openGroup (groupId: string, focus: boolean): ChatWindow {
    const win = this.state.windows.open('group', groupId)
    if (win.history === 'none') void this.history.loadInitial(win)
    void this.refreshMembers(groupId)
    if (focus) this.switchTo(win)
    return win
  }

  /** The nick list on a group's topic line follows its roster. */
  async refreshMembers (groupId: string): Promise<void> {
    try {
      this.state.groups.setMembers(groupId, await this.client.call('groupMembers', { group: groupId }))
      this.ui.render()
    } catch {}
  }

  /** A group line (from history or an event) into its window; true when it is new. */
  groupEntry (win: ChatWindow, e: GroupHistoryEntry): boolean {
    this.state.groups.names.set(e.author, e.authorName)
    if (win.buffer.addMessage(groupLine(e)) !== 'added') return false
    const entry = win.buffer.get(e.id)
    if (entry !== undefined) this.afterAppend(win, entry)
    return true
  }

  /** Puts the read marker above the last `unread` messages from the friend, once they are loaded. */
  markUnread (win: ChatWindow, unread: number): void {
    void this.history.loadInitial(win).then(() => {
      const entries = win.buffer.entries
      let left = unread
      for (let i = entries.length - 1; i > 0; i--) {
        const e = entries[i]
        if (e.kind === 'msg' && e.from !== 'me' && --left === 0) { win.marker = entries[i - 1]; break }
      }
      this.ui.render()
    })
  }

  switchTo (win: ChatWindow): void {
    const left = this.state.windows.switchToWindow(win)
    if (left !== null) this.windowChanged(left)
  }

  switchNumber (n: number): void {
    const left = this.state.windows.switchTo(n)
    if (left !== null) this.windowChanged(left)
  }

  windowChanged (left: ChatWindow): void {
    left.marker = left.buffer.entries[left.buffer.entries.length - 1] ?? null
    if (left.kind === 'friend' && this.typing.target === left.key) this.typing.stop()
    this.#completion = null
    this.viewed(this.state.windows.active)
    this.ui.render()
  }

  /** The active window is being looked at: load it, and tell the daemon its messages are read. */
  viewed (win: ChatWindow): void {
    if (win.kind === 'group') {
      if (win.history === 'none') void this.history.loadInitial(win)
      const g = this.state.groups.groups.get(win.key)
      if (g !== undefined) g.info.unread = 0
      this.scheduleMarkRead(win.key, 0)
      return
    }
    if (win.kind !== 'friend') return
    if (win.history === 'none') void this.history.loadInitial(win)
    const f = this.state.book.get(win.key)
    if (f === undefined) return
    f.unread = 0
    this.scheduleMarkRead(win.key, 0)
  }

  scheduleMarkRead (key: string, delay = MARK_READ_MS): void {
    if (this.#markRead.has(key)) return
    this.#markRead.set(key, this.timers.setTimeout(() => {
      this.#markRead.delete(key)
      if (this.#closed) return
      this.client.call('markRead', { friend: key }).catch(() => {})
    }, delay))
  }

  closeActive (): void {
    const w = this.state.windows
    const win = w.active
    if (win.kind === 'home') { this.print(win, 'the home window cannot be closed — /quit leaves', 'error'); return }
    if (win.kind === 'friend' && this.typing.target === win.key) this.typing.stop()
    w.close(win)
    this.viewed(w.active)
    this.ui.render()
  }

  /** Opens the requests window while requests are pending, closes it when none are left. */
  syncRequestsWindow (): ChatWindow | undefined {
    const w = this.state.windows
    const win = w.find('requests')
    if (this.state.book.requests.size > 0) return win ?? w.open('requests', 'requests')
    if (win !== undefined) {
      const wasActive = w.active === win
      w.close(win)
      if (wasActive) this.viewed(w.active)
    }
    return undefined
  }

  // ---- state updates used by commands and events --------------------------------------------

  setIdentity (info: IdInfo): void {
    const me = this.state.me
    this.state.me = {
      id: info.id, publicKey: info.publicKey, name: info.name,
      // an older daemon's answer may lack them: keep what we knew
      status: info.status ?? me?.status ?? 'online', statusMessage: info.statusMessage ?? me?.statusMessage ?? ''
    }
    this.ui.render()
  }

  setMyStatus (status: Presence, message: string): void {
    if (this.state.me !== null) { this.state.me.status = status; this.state.me.statusMessage = message }
    this.ui.render()
  }

  friendAdded (info: Pick<FriendInfo, 'publicKey'> & Partial<FriendInfo>): void {
    this.state.book.upsert(info.publicKey, { ...info, state: 'friends' })
    this.state.book.requests.delete(info.publicKey)
    this.syncRequestsWindow()
    this.ui.render()
  }

  /** Adds my just-sent line to the friend's window, jumping to the bottom as irssi does. */
  ownMessage (friend: string, text: string, action: boolean, r: SendResult): void {
    const win = this.openFriend(friend, false)
    win.scroll = 0
    win.buffer.addMessage({ id: r.id, seq: r.seq, from: 'me', text, sentAt: this.now(), state: r.state, index: null, kind: action ? 'action' : 'text' })
    this.ui.render()
  }

  /**
   * The daemon went away and the client is reconnecting (it restarts the daemon when it may):
   * windows, scrollback and the input line stay as they are. Once back, what changed meanwhile
   * is fetched: presence, requests, and the newest messages of every open conversation.
   */
  connectionChanged (state: 'reconnecting' | 'connected', detail?: string): void {
    if (this.#closed) return
    if (state === 'reconnecting') {
      const first = this.state.connected
      this.state.connected = false
      if (first) this.print(this.state.windows.active, 'lost the connection to the daemon — reconnecting…', 'warn')
      else if (detail !== undefined) this.print(this.state.windows.home, `still reconnecting: ${detail}`, 'dim')
      this.ui.render()
      return
    }
    this.state.connected = true
    this.print(this.state.windows.active, 'reconnected to the daemon')
    void this.resync()
  }

  async resync (): Promise<void> {
    await this.loadState()
    for (const win of [...this.state.windows.windows]) {
      if ((win.kind !== 'friend' && win.kind !== 'group') || win.history === 'none') continue
      try {
        const list = await this.client.call('history', { friend: win.key, limit: this.history.firstLimit })
        for (const m of list) {
          if (win.kind === 'group') { this.groupEntry(win, m as unknown as GroupHistoryEntry); continue }
          if (win.buffer.addMessage(m) !== 'added') continue
          const entry = win.buffer.get(m.id)
          if (entry !== undefined) this.afterAppend(win, entry)
        }
      } catch (err) {
        this.print(win, `cannot load what arrived while disconnected: ${errorText(err)}`, 'error')
      }
    }
    this.ui.render()
  }

  connectionLost (): void {
    if (this.#closed || !this.state.connected) return
    this.state.connected = false
    this.print(this.state.windows.active, 'lost the connection to the daemon — leaving', 'error')
    this.timers.setTimeout(() => this.quit(1, 'psst chat: lost the connection to the daemon'), 1000)
  }

  quit (code: number, message?: string): void {
    if (this.#closed) return
    this.typing.stop()
    this.#closed = true
    for (const t of this.#markRead.values()) this.timers.clearTimeout(t)
    this.ui.exit(code, message)
  }

  get closed (): boolean { return this.#closed }

  // ---- keys and the input line ----------------------------------------------------------------

  handleKey (ch: string | undefined, key: KeyInput): void {
    const win = this.state.windows.active
    if ((key.full ?? key.name) === 'escape' && win.search !== null) { this.endSearch(win); this.ui.render() }
    this.runAction(this.#keys.decode(ch, key, this.now()))
  }

  /** Starts a scrollback search in the active window: the newest match is shown. */
  search (query: string): void {
    const win = this.state.windows.active
    const matches = findMatches(win, query)
    if (matches.length === 0) {
      win.search = null
      this.print(win, `no line holds "${query}"${win.buffer.hasOlder && win.kind === 'friend' ? ' in what is loaded — PageUp loads older history' : ''}`, 'dim')
      return
    }
    win.search = { query, matches, at: matches.length - 1 }
    this.#showMatch(win)
  }

  /** Ctrl+R, or /search with no text: the next older match, or a hint when there is none. */
  searchOlder (): void {
    const win = this.state.windows.active
    const s = win.search
    if (s === null) { this.input.set('/search '); return }
    if (s.at === 0) {
      this.print(win, `no older line holds "${s.query}"${win.buffer.hasOlder && win.kind === 'friend' ? ' in what is loaded — PageUp loads older history' : ''}`, 'dim')
      return
    }
    s.at--
    this.#showMatch(win)
  }

  endSearch (win: ChatWindow): void {
    win.search = null
    win.scroll = 0
  }

  #showMatch (win: ChatWindow): void {
    const s = win.search
    if (s === null) return
    win.scroll = scrollFor(win, s.matches[s.at], bodyContext(this.state), this.cols, this.bodyHeight)
    this.ui.render()
  }

  /** Input that came in one piece: typed-ahead text, a paste (line breaks kept), Alt+Enter. */
  handleInput (piece: InputPiece): void {
    if (piece.kind === 'keys') return
    if (piece.kind === 'newline') { this.runAction({ type: 'newline' }); return }
    if (this.input.text.length + piece.text.length > MAX_INPUT) {
      this.print(this.state.windows.active, `paste ignored: ${piece.text.length} characters would make the input line longer than ${MAX_INPUT}`, 'error')
      return
    }
    this.runAction({ type: 'insert', text: piece.text })
  }

  runAction (a: KeyAction): void {
    if (a.type !== 'complete') this.#completion = null
    switch (a.type) {
      case 'insert': this.input.insert(a.text); this.inputChanged(); break
      case 'newline': this.input.insert('\n'); this.inputChanged(); break
      case 'search-older': this.searchOlder(); break
      case 'edit': this.edit(a.op); break
      case 'submit': void this.submit(); break
      case 'history': if (a.dir === 'up') this.input.historyUp(); else this.input.historyDown(); break
      case 'complete': this.tab(); break
      case 'scroll': this.scroll(a.dir); break
      case 'window': this.switchNumber(a.n); break
      case 'next-window': { const l = this.state.windows.next(); if (l !== null) this.windowChanged(l); break }
      case 'prev-window': { const l = this.state.windows.prev(); if (l !== null) this.windowChanged(l); break }
      case 'interrupt': this.interrupt(); break
      case 'redraw': this.ui.redraw(); return
      case 'suspend': this.ui.suspend(); return
      case 'none': return
    }
    this.ui.render()
  }

  edit (op: EditOp): void {
    const i = this.input
    const ops: Record<typeof op, () => void> = {
      left: () => i.left(), right: () => i.right(), home: () => i.home(), end: () => i.end(),
      backspace: () => i.backspace(), delete: () => i.deleteForward(), killToStart: () => i.killToStart(),
      killToEnd: () => i.killToEnd(), killWordBack: () => i.killWordBack(), killWordForward: () => i.killWordForward(),
      wordLeft: () => i.wordLeft(), wordRight: () => i.wordRight(), yank: () => i.yank()
    }
    const before = i.text
    ops[op]()
    if (i.text !== before) this.inputChanged()
  }

  /** First Ctrl+C clears the line; a second one within 2 s quits (irssi-like: nothing lost by accident). */
  interrupt (): void {
    const now = this.now()
    if (now - this.#ctrlCAt <= CTRL_C_MS) { this.quit(0); return }
    this.#ctrlCAt = now
    if (this.input.text !== '') { this.input.discard(); this.inputChanged() }
    this.print(this.state.windows.active, 'press Ctrl+C again to quit (or type /quit)', 'dim')
  }

  tab (): void {
    const book = this.state.book
    const r = complete(this.input.text, this.input.cursor, {
      commands: COMMANDS.flatMap(c => [c.name, ...(c.aliases ?? [])]).map(n => `/${n}`),
      friendNames: book.completionNames(book.friends.values()),
      requestNames: book.completionNames(book.requests.values()),
      argKind: name => findCommand(name)?.arg ?? 'none',
      listDir
    }, this.#completion)
    if (r === null) { this.#completion = null; return }
    this.input.set(r.line, r.cursor)
    this.#completion = r.state
  }

  scroll (dir: 'up' | 'down'): void {
    const win = this.state.windows.active
    const page = Math.max(1, this.bodyHeight - 2)
    if (dir === 'down') { win.scroll = Math.max(0, win.scroll - page); return }
    win.scroll += page
    const view = bodyView(win, bodyContext(this.state), this.cols, this.bodyHeight, win.scroll)
    win.scroll = view.scroll
    if (view.atTop && (win.kind === 'friend' || win.kind === 'group')) void this.history.loadOlder(win)
  }

  /** Tells the typing notifier whether we are composing a message (not a command) to a friend. */
  inputChanged (): void {
    const win = this.state.windows.active
    const text = this.input.text
    this.typing.update(win.kind === 'friend' && text !== '' && !text.startsWith('/') ? win.key : null)
  }

  async submit (): Promise<void> {
    const line = this.input.submit()
    this.typing.stop()
    await submitLine(this, line)
  }
}

/** A folder as typed in a command line (`~` is the home folder, '' the current one) for Tab completion. */
function listDir (typed: string): DirEntry[] {
  const home = process.env.HOME ?? ''
  const dir = typed === '' ? '.' : typed === '~' || typed.startsWith('~/') ? home + typed.slice(1) : typed
  try {
    return readdirSync(dir, { withFileTypes: true }).map(d => ({ name: d.name, dir: d.isDirectory() || (d.isSymbolicLink() && isDir(join(dir, d.name))) }))
  } catch {
    return []
  }
}

function isDir (path: string): boolean {
  try { return statSync(path).isDirectory() } catch { return false }
}
