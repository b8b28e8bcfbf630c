/**
 * Human output of the CLI as pure functions (data in, lines out), so it can be tested without a daemon.
 * Stable when not a terminal: colour comes only from the `Colours` passed in.
 */
import type { DaemonStatus, DeliveryState, FriendInfo, HistoryEntry, IdInfo, PsstEvent, RequestInfo } from '../../daemon/api.js'
import { table, type Colours } from './text.js'
import { padEnd, stringWidth, truncate } from '../text/width.js'
import { sanitizeLine } from '../text/sanitize.js'

export const SHORT_KEY = 8
const STATUS_MESSAGE_COLUMNS = 40
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The first 8 hex characters: enough to refer to a friend in commands (docs/design.md, Identity and IDs). */
export function shortKey (publicKey: string): string {
  return publicKey.slice(0, SHORT_KEY)
}

const two = (n: number): string => String(n).padStart(2, '0')

/** Local time as YYYY-MM-DD HH:MM. */
export function dateTime (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`
}

/** Local time as HH:MM:SS. */
export function clock (ms: number): string {
  const d = new Date(ms)
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

/** "just now", "5m ago", "3h ago", "2d ago", then the date; 0 means never. */
export function relativeTime (ms: number, now: number): string {
  if (!ms) return 'never'
  const ago = Math.max(0, now - ms)
  if (ago < MINUTE) return 'just now'
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)}m ago`
  if (ago < DAY) return `${Math.floor(ago / HOUR)}h ago`
  if (ago < 30 * DAY) return `${Math.floor(ago / DAY)}d ago`
  return dateTime(ms).slice(0, 10)
}

export function idLines (info: IdInfo): string[] {
  return [`ID    ${info.id}`, `name  ${sanitizeLine(info.name)}`]
}

function presenceLabel (f: FriendInfo, c: Colours): { text: string, paint?: (s: string) => string } {
  if (f.state === 'request-sent') return { text: 'request sent', paint: c.dim }
  if (!f.online) return { text: 'offline', paint: c.dim }
  return { text: f.status, paint: f.status === 'online' ? c.green : c.yellow }
}

/** Name with the unread count; a friend whose name we do not know yet (request sent) shows as '?'. */
function friendLabel (f: FriendInfo): string {
  const name = f.name === '' ? '?' : sanitizeLine(f.name)
  return f.unread > 0 ? `${name} (${f.unread} new)` : name
}

export function friendsLines (friends: FriendInfo[], now: number, c: Colours): string[] {
  if (friends.length === 0) return ['no friends yet: share your ID (psst id) or add one (psst add <ID>)']
  const rows = friends.map((f) => [
    friendLabel(f),
    shortKey(f.publicKey),
    presenceLabel(f, c),
    truncate(sanitizeLine(f.statusMessage), STATUS_MESSAGE_COLUMNS),
    f.online ? 'now' : relativeTime(f.lastSeen, now)
  ])
  return table(['NAME', 'KEY', 'STATUS', 'MESSAGE', 'LAST SEEN'], rows, c.bold)
}

export function requestsLines (requests: RequestInfo[], now: number, c: Colours): string[] {
  if (requests.length === 0) return ['no pending friend requests']
  const rows = requests.map((r) => [
    sanitizeLine(r.name), shortKey(r.publicKey), relativeTime(r.receivedAt, now), sanitizeLine(r.message)
  ])
  return table(['NAME', 'KEY', 'RECEIVED', 'MESSAGE'], rows, c.bold)
}

const MARKS: Record<DeliveryState, string> = { queued: '·', sent: '✓', delivered: '✓✓' }

/** A delivery mark for my messages: · queued, ✓ sent, ✓✓ delivered (stored by the friend). */
export function deliveryMark (state: DeliveryState): string {
  return MARKS[state] ?? '?'
}

/** A file offer in a conversation: the manifest is for the daemon; people get the command. */
const FILE_OFFER_TEXT = '[file offer — psst file list]'

/** One line per message, oldest first: time, who, mark (mine only), text. */
export function historyLines (entries: HistoryEntry[], friendName: string, c: Colours): string[] {
  const name = sanitizeLine(friendName)
  const whoWidth = Math.max(2, stringWidth(name))
  return entries.map((e) => {
    const mine = e.from === 'me'
    const who = mine ? 'me' : name
    const mark = mine ? deliveryMark(e.state) : ''
    const text = e.kind === 'action' ? `* ${who} ${sanitizeLine(e.text)}` : e.kind === 'file' ? FILE_OFFER_TEXT : sanitizeLine(e.text)
    const whoCol = mine ? c.bold(padEnd(who, whoWidth)) : padEnd(who, whoWidth)
    return `${c.dim(dateTime(e.sentAt))}  ${whoCol}  ${mark.padEnd(2)}  ${text}`
  })
}

/** Resolves a public key to a display name for events; falls back to the short key. */
export type NameOf = (publicKey: string) => string

export function eventText (e: PsstEvent, nameOf: NameOf): string {
  switch (e.type) {
    case 'message': {
      const who = e.from === 'me' ? `me → ${nameOf(e.friend)}` : nameOf(e.friend)
      if (e.kind === 'file') return `${who}: ${FILE_OFFER_TEXT}`
      return e.kind === 'action' ? `* ${who} ${sanitizeLine(e.text)}` : `${who}: ${sanitizeLine(e.text)}`
    }
    case 'file-offer':
      return `${nameOf(e.friend)} offers ${sanitizeLine(e.name)} (${e.size} bytes) — psst file accept ${e.fileId.slice(0, 8)}`
    case 'file-progress': return `${sanitizeLine(e.name)} ${e.direction === 'in' ? '←' : '→'} ${nameOf(e.friend)}: ${e.bytes}/${e.size} bytes`
    case 'file-complete': return `${sanitizeLine(e.name)} ${e.direction === 'in' ? `from ${nameOf(e.friend)} saved as ${sanitizeLine(e.path)}` : `delivered to ${nameOf(e.friend)}`}`
    case 'file-failed': return `${sanitizeLine(e.name)} ${e.state}${e.reason !== undefined ? `: ${sanitizeLine(e.reason)}` : ''}`
    case 'friend-request':
      return `friend request from ${sanitizeLine(e.name)} (${shortKey(e.publicKey)})` +
        (e.message ? `: ${sanitizeLine(e.message)}` : '') + ` — psst accept ${shortKey(e.publicKey)}`
    case 'friend-added': return `${sanitizeLine(e.name)} (${shortKey(e.publicKey)}) is now your friend`
    case 'friend-removed': return `${nameOf(e.publicKey)} was removed`
    case 'presence': {
      const state = e.online ? e.status : 'offline'
      return `${sanitizeLine(e.name)} is ${state}` + (e.statusMessage ? ` — ${sanitizeLine(e.statusMessage)}` : '')
    }
    case 'sent': return `sent to ${nameOf(e.friend)} up to #${e.upTo}`
    case 'receipt': return `delivered to ${nameOf(e.friend)} up to #${e.upTo}`
    case 'typing': return `${nameOf(e.friend)} ${e.typing ? 'is typing' : 'stopped typing'}`
    case 'dht': return `network: ${e.state}`
    case 'warning': return `warning: ${sanitizeLine(e.message)}`
    case 'profile': return `you are ${e.status}${e.statusMessage === '' ? '' : ` — ${sanitizeLine(e.statusMessage)}`} as ${sanitizeLine(e.name)}`
    case 'storage': return e.state === 'ok' ? 'storage: writable again' : `storage: ${sanitizeLine(e.message)}`
    default: return `event: ${sanitizeLine(JSON.stringify(e))}`
  }
}

/** `watch` line: local time, event type, text. */
export function eventLine (e: PsstEvent, nameOf: NameOf, now: number, c: Colours): string {
  return `${c.dim(clock(now))}  ${e.type.padEnd(14)}  ${eventText(e, nameOf)}`
}

export function daemonStatusLines (s: DaemonStatus): string[] {
  if (!s.running) return ['daemon: not running']
  const where = s.dht.host !== null ? ` on ${s.dht.host}:${s.dht.port ?? '?'}` : ''
  return [
    `daemon   running (pid ${s.pid})`,
    `key      ${s.publicKey}`,
    `network  ${s.dht.state}${where}`,
    `friends  ${s.friendsOnline} online`,
    ...(s.storage === undefined ? [] : [`storage  ${s.storage.state === 'ok' ? 'ok' : sanitizeLine(s.storage.message)}`])
  ]
}
