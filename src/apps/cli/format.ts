/**
 * Human output of the CLI as pure functions (data in, lines out), so it can be tested without a daemon.
 * Stable when not a terminal: colour comes only from the `Colours` passed in.
 */
import { fileMessageText, type BlockedInfo, type DaemonStatus, type DeliveryState, type FriendInfo, type GroupHistoryEntry, type HistoryEntry, type IdInfo, type PsstEvent, type RequestInfo } from '../../daemon/api.js'
import { table, type Colours } from './text.js'
import { padEnd, stringWidth, truncate } from '../text/width.js'
import { sanitizeLine } from '../text/sanitize.js'
import type { RelayStatus } from '../../relay/index.js'

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
  return [`ID    ${info.id}`, `key   ${info.publicKey}`, `name  ${sanitizeLine(info.name)}`]
}

function presenceLabel (f: FriendInfo, c: Colours): { text: string, paint?: (s: string) => string } {
  if (f.state === 'request-sent') return { text: 'request sent', paint: c.dim }
  if (f.state === 'key-added') return { text: 'waiting for them to add you', paint: c.dim }
  if (!f.online) return { text: 'offline', paint: c.dim }
  // A direct link is the usual case and goes unsaid; the LAN or a relay is worth knowing.
  const via = f.via === 'lan' || f.via === 'relay' ? ` (${f.via})` : ''
  return { text: `${f.status}${via}`, paint: f.status === 'online' ? c.green : c.yellow }
}

/**
 * The name to show: my alias for them, else their name, else '?' (a request not answered yet).
 * With an alias their own name follows in parentheses, so a rename on their side stays visible.
 */
export function friendLabel (f: Pick<FriendInfo, 'name' | 'alias'>): string {
  const alias = sanitizeLine(f.alias ?? '').trim()
  const name = sanitizeLine(f.name).trim()
  if (alias === '') return name === '' ? '?' : name
  return name === '' || name.toLowerCase() === alias.toLowerCase() ? alias : `${alias} (${name})`
}

export function friendsLines (friends: FriendInfo[], now: number, c: Colours): string[] {
  if (friends.length === 0) return ['no friends yet: share your ID (psst id) or add one (psst add <ID>)']
  const rows = friends.map((f) => [
    friendLabel(f),
    shortKey(f.publicKey),
    presenceLabel(f, c),
    f.unread > 0 ? { text: String(f.unread), paint: c.bold } : '',
    truncate(sanitizeLine(f.statusMessage), STATUS_MESSAGE_COLUMNS),
    f.online ? 'now' : relativeTime(f.lastSeen, now)
  ])
  const warnings = friends.filter((f) => f.lookalike !== undefined)
    .map((f) => c.yellow(`warning: ${friendLabel(f)} (${shortKey(f.publicKey)}) ${sanitizeLine(f.lookalike ?? '')}; psst alias ${shortKey(f.publicKey)} <name> tells them apart`))
  return [...table(['NAME', 'KEY', 'STATUS', 'NEW', 'MESSAGE', 'LAST SEEN'], rows, c.bold), ...warnings]
}

export function requestsLines (requests: RequestInfo[], now: number, c: Colours): string[] {
  if (requests.length === 0) return ['no pending friend requests']
  const rows = requests.map((r) => [
    r.lookalike === undefined ? sanitizeLine(r.name) : { text: `${sanitizeLine(r.name)} (!)`, paint: c.yellow },
    shortKey(r.publicKey), relativeTime(r.receivedAt, now), sanitizeLine(r.message)
  ])
  const warnings = requests.filter((r) => r.lookalike !== undefined)
    .map((r) => c.yellow(`(!) ${sanitizeLine(r.name)} (${shortKey(r.publicKey)}) ${sanitizeLine(r.lookalike ?? '')}: compare the keys; accepting needs --force`))
  return [...table(['NAME', 'KEY', 'RECEIVED', 'MESSAGE'], rows, c.bold), ...warnings]
}

export function blockedLines (list: BlockedInfo[], now: number, c: Colours): string[] {
  if (list.length === 0) return ['no blocked or declined keys']
  const rows = list.map((b) => [b.name === '' ? '?' : sanitizeLine(b.name), b.publicKey, b.declined ? 'declined' : 'blocked', relativeTime(b.at, now)])
  return table(['NAME', 'KEY', 'WHY', 'SINCE'], rows, c.bold)
}

const MARKS: Record<DeliveryState, string> = { queued: '·', sent: '✓', delivered: '✓✓' }

/** A delivery mark for my messages: · queued, ✓ sent, ✓✓ delivered (stored by the friend). */
export function deliveryMark (state: DeliveryState): string {
  return MARKS[state] ?? '?'
}

/** A file message in a conversation: the manifest is for the daemon; people get what it is and the command. */
const fileText = (text: string): string => `${sanitizeLine(fileMessageText(text))} — psst file list`

/** One line per message, oldest first: time, who, mark (mine only), text. */
export function historyLines (entries: HistoryEntry[], friendName: string, c: Colours): string[] {
  const name = sanitizeLine(friendName)
  const whoWidth = Math.max(2, stringWidth(name))
  return entries.map((e) => {
    const mine = e.from === 'me'
    const who = mine ? 'me' : name
    const mark = mine ? deliveryMark(e.state) : ''
    const text = e.kind === 'action' ? `* ${who} ${sanitizeLine(e.text)}` : e.kind === 'file' ? fileText(e.text) : sanitizeLine(e.text)
    const whoCol = mine ? c.bold(padEnd(who, whoWidth)) : padEnd(who, whoWidth)
    return `${c.dim(dateTime(e.sentAt))}  ${whoCol}  ${mark.padEnd(2)}  ${text}`
  })
}

/** One group line as irssi shows it: `<alice> hi`, `* alice waves`, `-!- bob joined`. */
export function groupText (e: GroupHistoryEntry): string {
  const who = sanitizeLine(e.authorName)
  if (e.kind === 'event') return `-!- ${sanitizeLine(e.text)}`
  return e.kind === 'action' ? `* ${who} ${sanitizeLine(e.text)}` : `<${who}> ${sanitizeLine(e.text)}`
}

export function groupHistoryLines (entries: GroupHistoryEntry[], c: Colours): string[] {
  return entries.map((e) => {
    const line = groupText(e)
    return `${c.dim(dateTime(e.sentAt))}  ${e.kind === 'event' ? c.dim(line) : e.from === 'me' ? c.bold(line) : line}`
  })
}

/** History lines with the friend's renames placed by time, each as "-- bob is now known as bobby". */
export function historyWithRenames (entries: HistoryEntry[], renames: Array<{ at: number, from: string, to: string, alias?: string }>, friendName: string, c: Colours): string[] {
  const lines = historyLines(entries, friendName, c)
  const out: string[] = []
  let r = 0
  for (let i = 0; i < entries.length; i++) {
    for (; r < renames.length && renames[r].at < entries[i].sentAt; r++) out.push(renameLine(renames[r], c))
    out.push(lines[i])
  }
  for (; r < renames.length; r++) out.push(renameLine(renames[r], c))
  return out
}

function renameLine (r: { at: number, from: string, to: string, alias?: string }, c: Colours): string {
  return c.dim(`${dateTime(r.at)}  -- ${renameText(r)}`)
}

/** Resolves a public key to a display name for events; falls back to the short key. */
export type NameOf = (publicKey: string) => string

export function eventText (e: PsstEvent, nameOf: NameOf): string {
  switch (e.type) {
    case 'message': {
      const who = e.from === 'me' ? `me → ${nameOf(e.friend)}` : nameOf(e.friend)
      if (e.kind === 'file') return `${who}: ${fileText(e.text)}`
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
    case 'rename': return renameText(e)
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
    case 'group-message': return `[${sanitizeLine(e.groupName)}] ${groupText(e)}${e.late === true ? ' (late)' : ''}`
    case 'group-invite': return `${e.fromName === '' ? shortKey(e.from) : sanitizeLine(e.fromName)} invites you to ${sanitizeLine(e.name)} — psst group join ${e.groupId.slice(0, 8)}`
    case 'group-changed': return `[${sanitizeLine(e.name)}] ${e.members} member${e.members === 1 ? '' : 's'}, you: ${e.state}${e.topic === '' ? '' : ` — topic: ${sanitizeLine(e.topic)}`}`
    default: return `event: ${sanitizeLine(JSON.stringify(e))}`
  }
}

/** "bob is now known as bobby", with my alias for them when I chose one. */
export function renameText (e: { from: string, to: string, alias?: string }): string {
  const alias = sanitizeLine(e.alias ?? '').trim()
  return `${sanitizeLine(e.from)} is now known as ${sanitizeLine(e.to)}` + (alias === '' ? '' : ` (your alias for them: ${alias})`)
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
    `lan      ${s.network?.lan === false ? 'off' : 'on'}`,
    `friends  ${s.friendsOnline} online`,
    ...(s.storage === undefined ? [] : [`storage  ${s.storage.state === 'ok' ? 'ok' : sanitizeLine(s.storage.message)}`]),
    ...(s.historyPruned ?? []).map((p) => `history  ${sanitizeLine(p.name)}: ${p.messages} oldest messages pruned (${(p.bytes / 1048576).toFixed(1)} MiB) to keep within the cap (psst config)`)
  ]
}

/** What `psst relay status` reports, for people: sizes and times in words, no raw JSON. */
export type RelayStatusView = RelayStatus

export function bytesText (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(1)} GiB`
}

function durationText (ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} d`
  if (ms % HOUR === 0) return `${ms / HOUR} h`
  return `${Math.round(ms / MINUTE)} min`
}

export function relayStatusLines (s: RelayStatusView, now: number): string[] {
  const refusedBy = Object.entries(s.refusedBy).filter(([, n]) => (n ?? 0) > 0).map(([why, n]) => `${why} ${n ?? 0}`).join(', ')
  const network = s.bootstrap.length === 0
    ? `its own network${s.helpers.length > 0 ? ` (with ${s.helpers.length} helper nodes on ports ${s.helpers.join(', ')})` : ''}`
    : `joined ${s.bootstrap.join(', ')}`
  const l = s.limits
  return [
    `relay      running (pid ${s.pid}), started ${dateTime(s.startedAt)} (${relativeTime(s.startedAt, now)})`,
    `key        ${s.publicKey}`,
    `address    ${s.host ?? '?'}:${s.port ?? '?'} — network ${s.dht}, ${network}`,
    `relayed    ${s.relayed} connections (${s.relayedActive} open now), ${bytesText(s.relayedBytes)}; ${s.connections} connections to the mailbox now`,
    `mailboxes  ${s.owners} owners (admission: ${s.ownerPolicy}${s.allowedOwners > 0 ? `, ${s.allowedOwners} keys allowed` : ''}), ${s.held} messages held, ${bytesText(s.bytes)}`,
    `mail       ${s.deposits} deposited, ${s.fetched} fetched, ${s.deleted} deleted, ${s.expired} expired; ${s.refused} refused${refusedBy === '' ? '' : ` (${refusedBy})`}`,
    `limits     ${bytesText(l.ownerBytes)} per owner, ${bytesText(l.diskBytes)} in all, ${l.maxOwners} owners, ${l.depositsPerMinute} deposits a minute per sender, kept ${durationText(l.retentionMs)}`
  ]
}
