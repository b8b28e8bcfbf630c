/**
 * What clients see of a group: history lines (with irssi-like lines for membership changes),
 * members and the group list entry. Pure functions of a GroupLog.
 */
import type { GroupChange, GroupHistoryEntry, GroupInfo, GroupMemberInfo, GroupRole } from '../wire/api.js'
import type { GroupLog, Placed } from './group.js'
import type { GroupRecord } from './wire.js'
import { controlOf } from './entry.js'
import { activeMembers } from './roster.js'

/** How a key is shown: the friend's name, the name the roster gives, or a key prefix. */
export type NameOf = (hex: string) => string

export function historyEntry (log: GroupLog, e: Placed, index: number, nameOf: NameOf): GroupHistoryEntry {
  const author = e.authorHex
  const base = {
    id: e.hex,
    groupId: log.groupId.toString('hex'),
    seq: e.seq,
    author,
    authorName: nameOf(author),
    from: author === log.meHex ? 'me' : author,
    sentAt: e.entry.sentAt,
    state: 'delivered' as const,
    index
  }
  if (e.entry.kind !== 'control') {
    const text = log.textOf(e)
    return { ...base, kind: e.entry.kind, text: text ?? '(unreadable: sealed with a key this profile does not hold)' }
  }
  const change = changeOf(e, nameOf)
  return { ...base, kind: 'event', change, text: describe(nameOf(author), change) }
}

function changeOf (e: Placed, nameOf: NameOf): GroupChange {
  const op = controlOf(e.entry)!
  const member = op.member?.toString('hex')
  return {
    op: op.op,
    ...(member !== undefined ? { member, memberName: nameOf(member) } : {}),
    ...(op.op === 'role' ? { role: op.role } : {}),
    ...(op.op === 'topic' || op.op === 'create' ? { text: op.text } : {})
  }
}

/** The line irssi would print for a membership change. */
export function describe (who: string, c: GroupChange): string {
  switch (c.op) {
    case 'create': return `${who} created the group ${c.text ?? ''}`
    case 'add': return `${who} invited ${c.memberName ?? ''}`
    case 'join': return `${who} joined`
    case 'leave': return `${who} left`
    case 'remove': return `${who} removed ${c.memberName ?? ''}`
    case 'role': return `${who} made ${c.memberName ?? ''} ${c.role === 'moderator' ? 'a moderator' : 'a member'}`
    case 'topic': return `${who} changed the topic to: ${c.text ?? ''}`
    case 'rekey': return `${who} sealed a new group key`
  }
}

export function history (log: GroupLog, nameOf: NameOf, limit: number, before?: number): GroupHistoryEntry[] {
  const end = before === undefined ? log.ordered.length : Math.max(0, Math.min(before, log.ordered.length))
  const start = Math.max(0, end - limit)
  const out: GroupHistoryEntry[] = []
  for (let i = start; i < end; i++) {
    const e = log.ordered[i]
    // A rekey says nothing to people: it is kept out of history (it is in the log all the same).
    out.push(historyEntry(log, e, i, nameOf))
  }
  return out
}

export function members (log: GroupLog, nameOf: NameOf, online: (hex: string) => boolean): GroupMemberInfo[] {
  return activeMembers(log.roster).map((m) => ({
    publicKey: m.hex,
    name: nameOf(m.hex),
    role: m.role,
    online: m.hex === log.meHex || online(m.hex),
    status: m.status === 'joined' ? 'joined' as const : 'invited' as const
  })).sort((a, b) => rank(b.role) - rank(a.role) || a.name.localeCompare(b.name) || a.publicKey.localeCompare(b.publicKey))
}

const rank = (r: GroupRole): number => r === 'founder' ? 3 : r === 'moderator' ? 2 : 1

export function groupInfo (rec: GroupRecord, log: GroupLog | null): GroupInfo {
  const me = log?.roster.members.get(log.meHex)
  return {
    groupId: rec.groupId.toString('hex'),
    name: log?.roster.name !== undefined && log.roster.name !== '' ? log.roster.name : rec.name,
    members: log === null ? 0 : activeMembers(log.roster).length,
    unread: rec.unread,
    topic: log?.roster.topic ?? '',
    state: rec.state,
    role: me === undefined ? null : me.role
  }
}
