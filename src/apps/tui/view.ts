/**
 * The whole screen as rows of styled text, irssi's layout: a title (topic) line, the window's
 * scrollback, a status bar, and the input line with its prompt. Pure; screen.ts paints the result.
 */
import { statusSummary } from './transfers.js'
import { bodyView } from './body.js'
import { highlight } from './search.js'
import type { BodyContext } from './body.js'
import { displayName, formatClock, formatFriendRow, presenceLabel, shortKey } from './format.js'
import type { InputLine } from './input-line.js'
import type { ChatState } from './state.js'
import { stringWidth, truncate } from '../text/width.js'
import { sanitize } from '../text/sanitize.js'
import { clipRow, rowWidth, seg } from './wrap.js'
import type { Row, Segment, Style } from './wrap.js'
import type { ChatWindow } from './windows.js'
import { nickList } from './groups.js'

export interface Frame {
  rows: Row[]
  cursor: { row: number, col: number }
  /** The active window's view reached the oldest loaded line. */
  atTop: boolean
}

export function windowLabel (state: ChatState, win: ChatWindow): string {
  if (win.kind === 'home') return 'home'
  if (win.kind === 'requests') return 'requests'
  if (win.kind === 'group') return state.groups.label(win.key)
  return state.book.nameOf(win.key)
}

/** Fills a bar row to the full width so its background spans the line. */
function fillBar (row: Row, width: number, style: Style = 'bar'): Row {
  const clipped = clipRow(row, width)
  const pad = width - rowWidth(clipped)
  if (pad > 0) clipped.push(seg(' '.repeat(pad), style))
  return clipped
}

export function titleRow (state: ChatState, win: ChatWindow, width: number): Row {
  const g = state.glyphs
  if (win.kind === 'home') {
    const me = state.me
    const who = me === null ? 'connecting…' : `${displayName(me.name, me.publicKey)} (${me.status})`
    const title = state.title === undefined ? '' : ` ${state.title} —`
    return fillBar([seg(` psst${title} ${who} — /help for commands, /query <friend> to talk`, 'bar')], width)
  }
  if (win.kind === 'requests') {
    const n = state.book.requests.size
    return fillBar([seg(` friend requests: ${n} pending — /accept [name], /decline [name]`, 'bar')], width)
  }
  if (win.kind === 'group') return groupTitle(state, win, width)
  const f = state.book.get(win.key)
  const row: Row = [seg(` ${state.book.nameOf(win.key)}`, 'bar-strong')]
  if (f === undefined) {
    row.push(seg(` (${shortKey(win.key)}) — not a friend`, 'bar-dim'))
  } else {
    row.push(seg(` ${f.online ? g.online : g.offline} ${presenceLabel(f)}`, f.online ? 'bar' : 'bar-dim'))
    const msg = sanitize(f.statusMessage, true).trim()
    if (msg !== '') row.push(seg(` — ${truncate(msg, Math.max(10, width / 2), g.ellipsis)}`, 'bar'))
    if (state.book.typing.has(win.key)) row.push(seg(` — typing${g.ellipsis}`, 'bar-strong'))
  }
  return fillBar(row, width)
}

/** A group's topic line: name, topic, and the nick list (~founder @moderator member). */
function groupTitle (state: ChatState, win: ChatWindow, width: number): Row {
  const g = state.groups.groups.get(win.key)
  const row: Row = [seg(` ${state.groups.label(win.key)}`, 'bar-strong')]
  if (g === undefined) return fillBar(row, width)
  if (g.info.state !== 'joined') row.push(seg(` (${g.info.state})`, 'bar-alert'))
  const topic = sanitize(g.info.topic, true).trim()
  if (topic !== '') row.push(seg(` — ${truncate(topic, Math.max(10, width / 2), state.glyphs.ellipsis)}`, 'bar'))
  if (g.members.length > 0) row.push(seg(` [${sanitize(nickList(g.members), true)}]`, 'bar-dim'))
  return fillBar(row, width)
}

export function statusRow (state: ChatState, width: number, now: number, scrolled: boolean, inputLines = 1): Row {
  const b = (text: string, style: Style = 'bar'): Segment[] => [seg('[', 'bar-dim'), seg(text, style), seg('] ', 'bar-dim')]
  const me = state.me
  const w = state.windows
  const row: Row = [seg(' ', 'bar'), ...b(formatClock(now))]
  if (me !== null) row.push(...b(`${displayName(me.name, me.publicKey, 16)}${me.status === 'online' ? '' : ` (${me.status})`}`))
  row.push(...b(`${w.activeNumber}:${truncate(windowLabel(state, w.active), 20)}`, 'bar-strong'))
  row.push(...(state.connected ? b(`DHT: ${state.dht}`, state.dht === 'online' ? 'bar' : 'bar-alert') : b('daemon: disconnected', 'bar-alert')))
  const act = w.activityList()
  if (act.length > 0) {
    row.push(seg('[', 'bar-dim'), seg('Act: ', 'bar'))
    act.forEach((a, i) => {
      if (i > 0) row.push(seg(',', 'bar'))
      row.push(seg(String(a.number), `act-${a.level}` as Style))
    })
    row.push(seg('] ', 'bar-dim'))
  }
  const files = statusSummary(state.transfers.running)
  if (files !== '') row.push(...b(files))
  if (inputLines > 1) row.push(...b(`input: ${inputLines} lines`, 'bar-strong'))
  const search = w.active.search
  if (search !== null) row.push(...b(`search: ${truncate(search.query, 20)} ${search.at + 1}/${search.matches.length} — Ctrl+R older, Esc ends`, 'bar-strong'))
  if (scrolled) row.push(seg('-- more --', 'bar-strong'))
  return fillBar(row, width)
}

/** Home's dashboard: your ID, the DHT, friends with presence and unread counts, pending requests. */
export function homeHeader (state: ChatState, width: number): Row[] {
  const g = state.glyphs
  const rows: Row[] = []
  const me = state.me
  rows.push([seg('your psst ID: ', 'dim'), seg(me === null ? '(asking the daemon…)' : me.id, 'hilight')])
  const online = [...state.book.friends.values()].filter(f => f.online).length
  const dhtStyle: Style = state.dht === 'online' ? 'online' : 'warn'
  rows.push([
    seg('DHT: ', 'dim'), seg(state.dht, dhtStyle), seg(state.dhtAddress === null ? '' : ` (${state.dhtAddress})`, 'dim'),
    seg(`   friends online: ${online}/${state.book.friends.size}`, 'dim')
  ])
  const friends = state.book.sorted()
  if (friends.length === 0) {
    rows.push([seg('no friends yet — give someone your ID (/myid), or /add <their ID> [message]', 'dim')])
  } else {
    rows.push([seg('friends:', 'dim')])
    const nameWidth = Math.min(24, Math.max(...friends.map(f => stringWidth(state.book.nameOf(f.publicKey)))))
    for (const f of friends) {
      const win = state.windows.find(f.publicKey)
      rows.push(formatFriendRow(f, nameWidth, g, win === undefined ? undefined : state.windows.numberOf(win)))
    }
  }
  const pending = state.book.requests.size
  if (pending > 0) {
    const win = state.windows.find('requests')
    const where = win === undefined ? '' : ` — window ${state.windows.numberOf(win)}`
    rows.push([seg(`${pending} friend request${pending === 1 ? '' : 's'} pending${where}`, 'hilight')])
  }
  rows.push([seg(g.rule.repeat(Math.max(1, width)), 'separator')])
  return rows
}

/** The rows above the requests window's log: one per pending request. */
export function requestsHeader (state: ChatState): Row[] {
  const rows: Row[] = []
  for (const r of state.book.requests.values()) {
    const name = state.book.nameOf(r.publicKey)
    rows.push([
      seg(name, 'hilight'), seg(` (${shortKey(r.publicKey)}) at ${formatClock(r.receivedAt)}: `, 'dim'), seg(sanitize(r.message, true))
    ])
    for (const f of state.book.lookAlikes(r)) {
      rows.push([seg(`  warning: looks like your friend ${state.book.nameOf(f.publicKey)} (${shortKey(f.publicKey)}) — check the key before accepting`, 'warn')])
    }
  }
  if (rows.length > 0) rows.push([seg('/accept <name> or /decline <name>', 'dim')])
  return rows
}

export function bodyContext (state: ChatState): BodyContext {
  return {
    glyphs: state.glyphs,
    nameOf: from => from === 'me'
      ? displayName(state.me?.name, state.me?.publicKey ?? 'me')
      : state.book.get(from) === undefined && state.groups.names.has(from) ? displayName(state.groups.names.get(from), from) : state.book.nameOf(from),
    header: (win, width) => win.kind === 'home' ? homeHeader(state, width) : win.kind === 'requests' ? requestsHeader(state) : [],
    timestamp: state.settings.timestamp
  }
}

/** Builds the screen; clamps the active window's scroll position as a side effect. */
export function buildFrame (state: ChatState, input: InputLine, cols: number, rows: number, now: number): Frame {
  if (cols < 20 || rows < 4) {
    return { rows: [[seg(truncate('terminal too small', cols))]], cursor: { row: 0, col: 0 }, atTop: false }
  }
  const win = state.windows.active
  const height = rows - 3
  const body = bodyView(win, bodyContext(state), cols, height, win.scroll)
  win.scroll = body.scroll
  const shown = win.search === null ? body.rows : highlight(body.rows, win.search.query)
  const out: Row[] = [titleRow(state, win, cols), ...shown]
  while (out.length < rows - 2) out.push([])
  out.push(statusRow(state, cols, now, win.scroll > 0, input.lineCount))
  const prompt = `[${truncate(windowLabel(state, win), 16)}] `
  const pw = stringWidth(prompt)
  const view = input.view(cols - pw, state.glyphs.newline)
  out.push([seg(prompt, 'prompt'), seg(view.text)])
  return { rows: out, cursor: { row: rows - 1, col: pw + view.cursorCol }, atTop: body.atTop }
}
