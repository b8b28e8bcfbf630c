/**
 * Who is in a group, with which role: a pure fold over the group's control entries in display
 * order (docs/groups.md, Membership). Every member holding the same entries folds the same roster,
 * so concurrent changes resolve the same way everywhere: an operation counts only if its author
 * had the right to make it at its place in that order.
 */
import type { ControlOp, Role } from './wire.js'
import { MAX_MEMBERS } from './wire.js'

export type MemberStatus = 'invited' | 'joined' | 'left' | 'removed'

export interface Member {
  hex: string
  key: Buffer
  role: Role
  status: MemberStatus
  name: string
  /** The entry that ended the membership (leave or remove), to refuse what the member wrote after it. */
  endedBy: string | null
}

/** A key brought by a control entry, and the members it was sealed to. */
export interface KeyIntro { id: string, lamport: number, recipients: Set<string> }

export interface ControlEvent {
  hex: string
  authorHex: string
  author: Buffer
  seq: number
  lamport: number
  op: ControlOp
}

export interface Roster {
  name: string
  topic: string
  founder: string
  members: Map<string, Member>
  /** Keys of the operations that counted, oldest first. */
  keys: KeyIntro[]
  /** Operations that did not count (their author lacked the right at their place). */
  ignored: number
}

const RANK: Record<Role, number> = { founder: 3, moderator: 2, member: 1 }

export const isActive = (m: Member | undefined): m is Member => m !== undefined && (m.status === 'invited' || m.status === 'joined')

/** Display order: Lamport clock, then author key, then the author's seq. */
export function compareOrder (a: { lamport: number, authorHex: string, seq: number }, b: { lamport: number, authorHex: string, seq: number }): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport
  if (a.authorHex !== b.authorHex) return a.authorHex < b.authorHex ? -1 : 1
  return a.seq - b.seq
}

export function emptyRoster (founder: string): Roster {
  return { name: '', topic: '', founder, members: new Map(), keys: [], ignored: 0 }
}

/** Folds control events (any order: they are sorted here) into the roster. */
export function foldRoster (founder: string, events: ControlEvent[]): Roster {
  const roster = emptyRoster(founder)
  const sorted = [...events].sort(compareOrder)
  for (const e of sorted) {
    if (apply(roster, e)) {
      const author = roster.members.get(e.authorHex)
      if (author !== undefined && e.op.nick !== '') author.name = e.op.nick
      if (e.op.keys.length > 0) roster.keys.push({ id: e.hex, lamport: e.lamport, recipients: new Set(e.op.keys.map((k) => k.member.toString('hex'))) })
    } else {
      roster.ignored++
    }
  }
  return roster
}

function apply (r: Roster, e: ControlEvent): boolean {
  const author = r.members.get(e.authorHex)
  const target = e.op.member === null ? undefined : r.members.get(e.op.member.toString('hex'))
  const joined = author?.status === 'joined'
  switch (e.op.op) {
    case 'create':
      if (e.authorHex !== r.founder || r.members.size > 0) return false
      r.name = e.op.text
      r.members.set(e.authorHex, { hex: e.authorHex, key: e.author, role: 'founder', status: 'joined', name: '', endedBy: null })
      return true
    case 'add': {
      if (!joined || RANK[author.role] < RANK.moderator || e.op.member === null || isActive(target)) return false
      if (activeCount(r) >= MAX_MEMBERS) return false
      const hex = e.op.member.toString('hex')
      const role: Role = hex === r.founder ? 'founder' : 'member'
      r.members.set(hex, { hex, key: e.op.member, role, status: 'invited', name: e.op.text, endedBy: null })
      return true
    }
    case 'join':
      if (author?.status !== 'invited') return false
      author.status = 'joined'
      return true
    case 'leave':
      if (!isActive(author)) return false
      author.status = 'left'
      author.endedBy = e.hex
      return true
    case 'remove':
      if (!joined || !isActive(target) || target.role === 'founder') return false
      if (RANK[author.role] < RANK.moderator || RANK[author.role] <= RANK[target.role]) return false
      target.status = 'removed'
      target.endedBy = e.hex
      return true
    case 'role':
      if (!joined || author.role !== 'founder' || !isActive(target) || target.role === 'founder' || e.op.role === 'founder') return false
      target.role = e.op.role
      return true
    case 'topic':
      if (!joined || RANK[author.role] < RANK.moderator) return false
      r.topic = e.op.text
      return true
    case 'rekey':
      return joined
  }
}

function activeCount (r: Roster): number {
  let n = 0
  for (const m of r.members.values()) if (isActive(m)) n++
  return n
}

/** The members a key must be sealed to now: everyone invited or joined. */
export function activeMembers (r: Roster): Member[] {
  return [...r.members.values()].filter(isActive).sort((a, b) => a.hex < b.hex ? -1 : 1)
}

/**
 * The key to send with: the newest, if it was sealed to exactly the members there are now. None
 * when the roster changed since (a leave, two changes at once): the sender then seals a new one.
 * An older key sealed to the same set is not reused: someone who left in between still holds it.
 */
export function currentKey (r: Roster): KeyIntro | null {
  const active = activeMembers(r)
  const k = r.keys[r.keys.length - 1]
  if (k === undefined) return null
  return k.recipients.size === active.length && active.every((m) => k.recipients.has(m.hex)) ? k : null
}

/** Whether an operation by `authorHex` would count if it came next: a clear refusal before writing it. */
export function wouldCount (r: Roster, authorHex: string, op: Omit<ControlOp, 'keys' | 'nonce' | 'nick'>): boolean {
  const copy: Roster = { ...r, members: new Map([...r.members].map(([k, m]) => [k, { ...m }])), keys: [...r.keys] }
  const author = r.members.get(authorHex)
  return author !== undefined && apply(copy, { hex: '', authorHex, author: author.key, seq: 0, lamport: 0, op: { ...op, nonce: null, keys: [], nick: '' } })
}
