/**
 * Pure view-models: how one message, system line or friend looks, as styled segments. No terminal here.
 */
import type { DeliveryState, FriendInfo, Presence } from './client.js'
import { stringWidth, truncate } from '../text/width.js'
import { sanitize } from '../text/sanitize.js'
import { seg } from './wrap.js'
import type { Row, Segment, Style } from './wrap.js'

export interface Glyphs {
  queued: string
  sent: string
  delivered: string
  online: string
  offline: string
  ellipsis: string
  rule: string
  /** A line break in the input line. */
  newline: string
}

/** `·` queued, `✓` sent (left this machine), `✓✓` delivered (the friend's receipt). */
export const UNICODE_GLYPHS: Glyphs = {
  queued: '·', sent: '✓', delivered: '✓✓', online: '●', offline: '○', ellipsis: '…', rule: '─', newline: '↵'
}
/** For terminals without UTF-8: `~` queued, `+` sent, `++` delivered. */
export const ASCII_GLYPHS: Glyphs = {
  queued: '~', sent: '+', delivered: '++', online: '*', offline: '-', ellipsis: '...', rule: '-', newline: '^J'
}

/** Picks glyphs from the locale, as ncurses programs do. */
export function glyphsForEnv (env: Record<string, string | undefined>): Glyphs {
  const locale = env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? ''
  if (env.PSST_ASCII === '1') return ASCII_GLYPHS
  return /utf-?8/i.test(locale) ? UNICODE_GLYPHS : ASCII_GLYPHS
}

function two (n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** Local time as HH:MM. */
export function formatClock (ms: number): string {
  const d = new Date(ms)
  return `${two(d.getHours())}:${two(d.getMinutes())}`
}

export const DEFAULT_TIMESTAMP = '%H:%M'

/** The strftime fields a timestamp format may use (`/set timestamp`, PSST_TIMESTAMP). */
const FIELDS: Record<string, (d: Date) => string> = {
  H: d => two(d.getHours()),
  I: d => two(((d.getHours() + 11) % 12) + 1),
  p: d => d.getHours() < 12 ? 'AM' : 'PM',
  M: d => two(d.getMinutes()),
  S: d => two(d.getSeconds()),
  d: d => two(d.getDate()),
  m: d => two(d.getMonth() + 1),
  y: d => two(d.getFullYear() % 100),
  Y: d => String(d.getFullYear()),
  b: d => MONTHS[d.getMonth()],
  a: d => DAYS[d.getDay()],
  '%': () => '%'
}

/** Checks a timestamp format: every `%x` must be a known field; returns the problem or null. */
export function timestampProblem (format: string): string | null {
  if (format.length > 40) return 'a timestamp format is at most 40 characters'
  for (const m of format.matchAll(/%(.?)/g)) {
    if (FIELDS[m[1]] === undefined) return `unknown field %${m[1]} — use %H %I %p %M %S %d %m %y %Y %b %a %%`
  }
  return null
}

/** Local time in a strftime-like format (the fields above). */
export function formatTime (ms: number, format: string): string {
  const d = new Date(ms)
  return format.replace(/%(.?)/g, (all, f: string) => FIELDS[f]?.(d) ?? all)
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Local calendar day, for "Day changed" separators. */
export function dayKey (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`
}

export function formatDay (ms: number): string {
  const d = new Date(ms)
  return `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`
}

export const NICK_COLOURS = 12

/** A colour index that is stable for a key across runs and machines (FNV-1a of the key). */
export function nickColour (key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h % NICK_COLOURS
}

export function nickStyle (key: string): Style {
  return `nick-${nickColour(key)}`
}

export function deliveryMark (state: DeliveryState, glyphs: Glyphs): Segment {
  return seg(glyphs[state], `mark-${state}`)
}

/** First 8 hex characters, for keys shown to people. */
export function shortKey (key: string): string {
  return key.slice(0, 8)
}

/** A peer-chosen name made safe and short; falls back to the key prefix. */
export function displayName (name: string | undefined, key: string, max = 24): string {
  const clean = sanitize(name ?? '', true).trim()
  return truncate(clean === '' ? shortKey(key) : clean, max)
}

export interface MessageView {
  from: 'me' | string
  name: string
  text: string
  action: boolean
  sentAt: number
  state: DeliveryState
  /** Mine, but sent from another of my devices (docs/devices.md). */
  elsewhere?: boolean
}

/**
 * `[12:34] <alice> hello` or `[12:34]  * alice waves`; my own lines end with the delivery mark.
 * Returns the segments and the column where the text starts (the wrap indent).
 */
export function formatMessage (m: MessageView, glyphs: Glyphs, timestamp = DEFAULT_TIMESTAMP): { row: Row, indent: number } {
  const mine = m.from === 'me'
  const nick = mine ? 'self' : nickStyle(m.from)
  const text = sanitize(m.text)
  const row: Row = [seg(`[${formatTime(m.sentAt, timestamp)}] `, 'time')]
  if (m.action) {
    row.push(seg(' * ', 'action'), seg(m.name, nick), seg(' '))
  } else {
    row.push(seg('<', 'dim'), seg(m.name, nick), seg('> ', 'dim'))
  }
  const indent = row.reduce((w, s) => w + stringWidth(s.text), 0)
  row.push(seg(text, m.action ? 'action' : 'plain'))
  if (mine) row.push(seg(' '), deliveryMark(m.state, glyphs))
  if (mine && m.elsewhere === true) row.push(seg(' (sent from your other device)', 'dim'))
  return { row, indent }
}

export type SystemLevel = 'info' | 'error' | 'warn' | 'hilight' | 'dim'

/** `[12:34] -!- text`, irssi's marker for lines that are not messages. */
export function formatSystem (text: string, level: SystemLevel, at: number, timestamp = DEFAULT_TIMESTAMP): { row: Row, indent: number } {
  const row: Row = [seg(`[${formatTime(at, timestamp)}] `, 'time'), seg('-!- ', level === 'error' ? 'error' : 'dim')]
  const indent = row.reduce((w, s) => w + stringWidth(s.text), 0)
  row.push(seg(sanitize(text), level === 'info' ? 'plain' : level))
  return { row, indent }
}

export function presenceLabel (f: Pick<FriendInfo, 'online' | 'status'> & { state?: FriendInfo['state'] }): string {
  if (f.state === 'request-sent') return 'request sent'
  if (f.state === 'key-added') return 'waiting for them to add you'
  if (!f.online) return 'offline'
  return f.status
}

export function presenceStyle (f: Pick<FriendInfo, 'online' | 'status'>): Style {
  if (!f.online) return 'offline'
  const map: Record<Presence, Style> = { online: 'online', away: 'away', busy: 'busy' }
  return map[f.status] ?? 'online'
}

/** One friend in the home window's list: `● alice  online  "at lunch"  3 unread`. */
export function formatFriendRow (f: FriendInfo, nameWidth: number, glyphs: Glyphs, window?: number): Row {
  const name = displayName(f.name, f.publicKey)
  const row: Row = [
    seg('  '),
    seg(f.online ? glyphs.online : glyphs.offline, presenceStyle(f)),
    seg(' '),
    seg(name, nickStyle(f.publicKey)),
    seg(' '.repeat(Math.max(1, nameWidth - stringWidth(name) + 1))),
    seg(presenceLabel(f).padEnd(8), f.state !== 'friends' ? 'dim' : presenceStyle(f))
  ]
  const status = sanitize(f.statusMessage, true).trim()
  if (status !== '') row.push(seg(` "${truncate(status, 40, glyphs.ellipsis)}"`, 'dim'))
  if (!f.online && f.lastSeen > 0) row.push(seg(` last seen ${formatLastSeen(f.lastSeen)}`, 'dim'))
  if (f.unread > 0) row.push(seg(` ${f.unread} unread`, 'unread'))
  if (window !== undefined) row.push(seg(` [${window}]`, 'dim'))
  return row
}

export function formatLastSeen (ms: number, now = Date.now()): string {
  return dayKey(ms) === dayKey(now) ? formatClock(ms) : `${formatDay(ms)} ${formatClock(ms)}`
}
