/**
 * The scrollback area of a window: entries wrapped to the width (cached per entry), day-change lines,
 * and what sits above the oldest loaded line (the home dashboard, "loading…", or the start of the
 * conversation). Only the rows needed for the current view are built, so a long buffer costs nothing
 * when the view is at the bottom.
 */
import type { Entry } from './buffer.js'
import { dayKey, formatDay, formatMessage, formatSystem } from './format.js'
import type { Glyphs } from './format.js'
import { seg, wrapRow } from './wrap.js'
import type { Row } from './wrap.js'
import type { ChatWindow } from './windows.js'

export interface BodyContext {
  glyphs: Glyphs
  /** Display name for a message author: 'me' or a public key. */
  nameOf: (from: string) => string
  /** Rows shown above everything else in this window (the home dashboard). */
  header: (win: ChatWindow, width: number) => Row[]
  /** strftime-like format of the time in front of each line. */
  timestamp: string
}

interface Cached { width: number, key: string, rows: Row[] }
const cache = new WeakMap<Entry, Cached>()

/** The wrapped rows of one entry, from the cache when width, name and state are unchanged. */
export function entryRows (e: Entry, ctx: BodyContext, width: number): Row[] {
  const name = e.kind === 'msg' ? ctx.nameOf(e.from) : ''
  // A system line's text may change in place (a transfer's progress line).
  const key = e.kind === 'msg' ? `${e.state}\u0000${name}\u0000${ctx.timestamp}` : `${ctx.timestamp}\u0000${e.text}`
  const hit = cache.get(e)
  if (hit !== undefined && hit.width === width && hit.key === key) return hit.rows
  let rows: Row[]
  if (e.kind === 'msg') {
    const f = formatMessage({ from: e.from, name, text: e.text, action: e.action, sentAt: e.sentAt, state: e.state, elsewhere: e.elsewhere === true }, ctx.glyphs, ctx.timestamp)
    rows = wrapRow(f.row, width, f.indent)
  } else {
    const f = formatSystem(e.text, e.level, e.at, ctx.timestamp)
    rows = wrapRow(f.row, width, f.indent)
    if (e.rows !== undefined) rows = rows.concat(e.rows)
  }
  cache.set(e, { width, key, rows })
  return rows
}

function entryTime (e: Entry): number {
  return e.kind === 'msg' ? e.sentAt : e.at
}

function dayRow (ms: number, glyphs: Glyphs): Row {
  return [seg(`${glyphs.rule.repeat(3)} Day changed to ${formatDay(ms)}`, 'separator')]
}

/** The read marker: what is below it came while you were in another window. */
export function markerRow (glyphs: Glyphs, width: number): Row {
  const label = ' new '
  return [seg(`${glyphs.rule.repeat(3)}${label}${glyphs.rule.repeat(Math.max(0, width - 3 - label.length))}`, 'unread')]
}

/** What is shown above the oldest loaded entry. */
function topRows (win: ChatWindow, ctx: BodyContext, width: number): Row[] {
  const rows = ctx.header(win, width)
  if (win.kind !== 'friend' && win.kind !== 'group') return rows
  if (win.history === 'loading' || win.loadingOlder) rows.push([seg('loading history…', 'dim')])
  else if (win.history === 'ready' && !win.buffer.hasOlder) rows.push([seg('beginning of the conversation', 'dim')])
  else if (win.history === 'ready') rows.push([seg('PageUp for older messages', 'dim')])
  return rows
}

export interface BodyView {
  rows: Row[]
  /** The scroll position after clamping. */
  scroll: number
  /** True when the view shows the oldest loaded entry: time to page in older history. */
  atTop: boolean
}

/**
 * Rows for a view `height` rows tall, `scroll` rows up from the bottom. When everything fits, rows are
 * top-aligned like a fresh irssi window.
 */
export function bodyView (win: ChatWindow, ctx: BodyContext, width: number, height: number, scroll: number): BodyView {
  const want = scroll + height
  const collected: Row[][] = [] // chunks, newest first
  let count = 0
  const entries = win.buffer.entries
  let i = entries.length - 1
  let incoming = false // a friend's message below the entry being placed
  for (; i >= 0 && count < want + height; i--) {
    const e = entries[i]
    let chunk = entryRows(e, ctx, width)
    if (e === win.marker && incoming) chunk = [...chunk, markerRow(ctx.glyphs, width)]
    if (e.kind === 'msg' && e.from !== 'me') incoming = true
    const prev = entries[i - 1]
    const withDay = prev !== undefined && dayKey(entryTime(prev)) !== dayKey(entryTime(e))
      ? [dayRow(entryTime(e), ctx.glyphs), ...chunk]
      : chunk
    collected.push(withDay)
    count += withDay.length
  }
  const reachedTop = i < 0
  if (reachedTop) {
    const top = topRows(win, ctx, width).flatMap(r => wrapRow(r, width))
    collected.push(top)
    count += top.length
  }
  const all: Row[] = []
  for (let c = collected.length - 1; c >= 0; c--) all.push(...collected[c])
  const maxScroll = Math.max(0, all.length - height)
  const clamped = reachedTop ? Math.min(scroll, maxScroll) : scroll
  const end = all.length - clamped
  const start = Math.max(0, end - height)
  return {
    rows: all.slice(start, end),
    scroll: clamped,
    // within a page of the top: start fetching before the user hits it
    atTop: reachedTop && start <= height
  }
}

/** Rows the last entry added at the bottom, with its day-change line: how far a scrolled view must move. */
export function rowsOfLast (win: ChatWindow, ctx: BodyContext, width: number): number {
  const entries = win.buffer.entries
  const e = entries[entries.length - 1]
  if (e === undefined) return 0
  const prev = entries[entries.length - 2]
  const day = prev !== undefined && dayKey(entryTime(prev)) !== dayKey(entryTime(e)) ? 1 : 0
  return entryRows(e, ctx, width).length + day
}
