/**
 * One group as one member holds it (docs/groups.md): every member's log, the display order,
 * the roster folded from the control entries, and the member's key ring. It checks each entry
 * before taking it, holds back one whose dependencies have not arrived, and writes my own
 * entries. No I/O: the service stores what it accepts and gossips it.
 */
import { randomBytes, type KeyPair } from '../crypto/identity.js'
import { sealTo, openSealed } from '../crypto/seal.js'
import {
  MAX_DEPS, MAX_TEXT_BYTES, MAX_ENTRY_BYTES,
  type ControlOp, type Dep, type EntryHeader, type GroupKey, type Head, type Role
} from './wire.js'
import { NO_EPOCH, controlEntry, controlOf, groupIdFor, hashOf, openText, parseEntry, textEntry, type SignedEntry } from './entry.js'
import {
  activeMembers, compareOrder, currentKey, emptyRoster, foldRoster, isActive,
  type ControlEvent, type Roster
} from './roster.js'
import { PsstError } from '../errors.js'

/** Entries held back for missing dependencies, per group (a peer cannot grow it without bound). */
export const MAX_PENDING = 10_000

export type DropReason = 'malformed' | 'bad-signature' | 'non-member' | 'wrong-epoch' | 'conflicting' | 'oversized' | 'removed-author' | 'wrong-group' | 'pending-full'

export interface Placed extends SignedEntry {
  /** Lamport, author, seq: the display order's key. */
  lamport: number
  seq: number
}

export interface ReceiveResult {
  accepted: Placed[]
  dropped: DropReason[]
  /** Authors whose earlier entries are missing, from the seq I need. */
  missing: Head[]
}

export class GroupLog {
  readonly groupId: Buffer
  readonly me: KeyPair
  readonly meHex: string
  founder: string
  roster: Roster
  readonly keys = new Map<string, Buffer>()
  /** Every accepted entry in display order. */
  readonly ordered: Placed[] = []
  readonly #byHash = new Map<string, Placed>()
  readonly #byAuthor = new Map<string, Placed[]>()
  readonly #controls: ControlEvent[] = []
  /** Accepted entries nothing accepted names yet: the deps of my next entry. */
  readonly #heads = new Set<string>()
  readonly #pending = new Map<string, Placed[]>()
  #pendingCount = 0
  #lamport = 0
  /** My name, carried by my control entries. */
  nick = ''

  constructor (groupId: Buffer, me: KeyPair, founder: string | null, keys: GroupKey[] = []) {
    this.groupId = groupId
    this.me = me
    this.meHex = me.publicKey.toString('hex')
    this.founder = founder ?? ''
    this.roster = emptyRoster(this.founder)
    for (const k of keys) this.keys.set(k.id.toString('hex'), k.key)
  }

  /** Starts a group: the create entry, with the first key sealed to the founder alone. */
  static create (name: string, me: KeyPair, now: number, nick = ''): { log: GroupLog, first: Placed } {
    const nonce = randomBytes(32)
    const groupId = groupIdFor(me.publicKey, nonce)
    const log = new GroupLog(groupId, me, me.publicKey.toString('hex'))
    const first = log.#writeControl({ op: 'create', member: null, text: name, role: 'member', nonce, keys: [], nick }, now, [me.publicKey])
    return { log, first }
  }

  get size (): number { return this.ordered.length }
  get pendingCount (): number { return this.#pendingCount }
  has (hex: string): boolean { return this.#byHash.has(hex) }
  get (hex: string): Placed | undefined { return this.#byHash.get(hex) }

  keyRing (): GroupKey[] {
    return [...this.keys].map(([id, key]) => ({ id: Buffer.from(id, 'hex'), key }))
  }

  /** How far I hold each author's log. */
  heads (): Head[] {
    return [...this.#byAuthor].map(([hex, log]) => ({ author: Buffer.from(hex, 'hex'), seq: log.length }))
  }

  /** What a peer holding `theirs` lacks, in display order (so dependencies come first). */
  missingFor (theirs: Head[]): Placed[] {
    const have = new Map(theirs.map((h) => [h.author.toString('hex'), h.seq]))
    const out: Placed[] = []
    for (const [hex, log] of this.#byAuthor) {
      const from = have.get(hex) ?? 0
      for (let i = from; i < log.length; i++) out.push(log[i])
    }
    return out.sort(compareOrder)
  }

  /** Entries of `author` from `seq` on. */
  from (author: string, seq: number): Placed[] {
    return this.#byAuthor.get(author)?.slice(Math.max(0, seq - 1)) ?? []
  }

  /** Takes entries from a peer or the disk; each is checked, placed, or held until its dependencies come. */
  receive (raw: Uint8Array[]): ReceiveResult {
    const result: ReceiveResult = { accepted: [], dropped: [], missing: [] }
    for (const bytes of raw) {
      if (bytes.byteLength > MAX_ENTRY_BYTES) { result.dropped.push('oversized'); continue }
      // Catch-up from several members at once brings the same entries again: known ones cost a hash, not a signature check.
      const hash = hashOf(bytes)
      if (this.#byHash.has(hash.toString('hex'))) continue
      const parsed = parseEntry(bytes, hash)
      if (typeof parsed === 'string') { result.dropped.push(parsed); continue }
      this.#take(placed(parsed), result)
    }
    return result
  }

  #take (e: Placed, result: ReceiveResult): void {
    if (this.#byHash.has(e.hex)) return
    const why = this.#refuse(e)
    if (why !== null) { result.dropped.push(why); return }
    const missing = this.#missingDep(e)
    if (missing !== null) return this.#hold(e, missing, result)
    const late = this.#check(e)
    if (late !== null) { result.dropped.push(late); return }
    this.#place(e)
    result.accepted.push(e)
    const waiting = this.#pending.get(e.hex)
    if (waiting === undefined) return
    this.#pending.delete(e.hex)
    this.#pendingCount -= waiting.length
    for (const w of waiting) this.#take(w, result)
  }

  /** What can be said of an entry alone. */
  #refuse (e: Placed): DropReason | null {
    const { entry } = e
    if (!entry.groupId.equals(this.groupId)) return 'wrong-group'
    if ((entry.seq === 1) !== (entry.prev === null)) return 'malformed'
    const other = this.#byAuthor.get(e.authorHex)?.[entry.seq - 1]
    if (other !== undefined) return 'conflicting'
    if (entry.kind === 'control') {
      if (!entry.epoch.equals(NO_EPOCH)) return 'wrong-epoch'
      if (controlOf(entry) === null) return 'malformed'
    } else if (entry.body.byteLength > MAX_TEXT_BYTES + 40) {
      return 'oversized'
    }
    return null
  }

  #missingDep (e: Placed): string | null {
    const { entry } = e
    if (entry.prev !== null && !this.#byHash.has(entry.prev.toString('hex'))) return entry.prev.toString('hex')
    for (const d of entry.deps) {
      const hex = d.hash.toString('hex')
      if (!this.#byHash.has(hex)) return hex
    }
    return null
  }

  #hold (e: Placed, missing: string, result: ReceiveResult): void {
    if (this.#pendingCount >= MAX_PENDING) { result.dropped.push('pending-full'); return }
    const list = this.#pending.get(missing) ?? []
    if (list.some((x) => x.hex === e.hex)) return
    list.push(e)
    this.#pending.set(missing, list)
    this.#pendingCount++
    const need = this.#byAuthor.get(e.authorHex)?.length ?? 0
    if (need < e.seq - 1) result.missing.push({ author: e.entry.author, seq: need + 1 })
    for (const d of e.entry.deps) {
      const have = this.#byAuthor.get(d.author.toString('hex'))?.length ?? 0
      if (have < d.seq) result.missing.push({ author: d.author, seq: have + 1 })
    }
  }

  /** What needs the entry's causal past (all here by now): chain, clock, membership, key. */
  #check (e: Placed): DropReason | null {
    const { entry } = e
    if (entry.prev !== null) {
      const prev = this.#byHash.get(entry.prev.toString('hex'))!
      if (prev.authorHex !== e.authorHex || prev.seq !== entry.seq - 1) return 'conflicting'
    }
    for (const d of [entry.prev, ...entry.deps.map((x) => x.hash)]) {
      if (d !== null && this.#byHash.get(d.toString('hex'))!.lamport >= entry.lamport) return 'malformed'
    }
    const op = controlOf(entry)
    if (op?.op === 'create') {
      if (entry.seq !== 1 || op.nonce === null || !groupIdFor(entry.author, op.nonce).equals(this.groupId)) return 'non-member'
      return null
    }
    const member = this.roster.members.get(e.authorHex)
    if (member === undefined) return 'non-member'
    const ended = member.endedBy
    if (ended !== null && !isActive(member) && this.#descends(e, ended)) return 'removed-author'
    if (entry.kind !== 'control') {
      const epoch = entry.epoch.toString('hex')
      const intro = this.roster.keys.find((k) => k.id === epoch)
      if (intro === undefined || !intro.recipients.has(e.authorHex) || intro.lamport >= entry.lamport) return 'wrong-epoch'
    }
    return null
  }

  /** Whether `ancestor` is in the causal past of `e` (searched only above its Lamport clock). */
  #descends (e: Placed, ancestor: string): boolean {
    const target = this.#byHash.get(ancestor)
    if (target === undefined) return false
    const seen = new Set<string>()
    const stack = [e]
    while (stack.length > 0) {
      const x = stack.pop()!
      for (const d of [x.entry.prev, ...x.entry.deps.map((y) => y.hash)]) {
        if (d === null) continue
        const hex = d.toString('hex')
        if (hex === ancestor) return true
        if (seen.has(hex)) continue
        seen.add(hex)
        const p = this.#byHash.get(hex)
        if (p !== undefined && p.lamport > target.lamport) stack.push(p)
      }
    }
    return false
  }

  #place (e: Placed): void {
    this.#byHash.set(e.hex, e)
    let log = this.#byAuthor.get(e.authorHex)
    if (log === undefined) { log = []; this.#byAuthor.set(e.authorHex, log) }
    log.push(e)
    if (e.lamport > this.#lamport) this.#lamport = e.lamport
    this.#heads.add(e.hex)
    if (e.entry.prev !== null) this.#heads.delete(e.entry.prev.toString('hex'))
    for (const d of e.entry.deps) this.#heads.delete(d.hash.toString('hex'))
    this.ordered.splice(this.#slot(e), 0, e)
    const op = controlOf(e.entry)
    if (op === null) return
    if (op.op === 'create') {
      this.founder = e.authorHex
    }
    this.#controls.push({ hex: e.hex, authorHex: e.authorHex, author: e.entry.author, seq: e.seq, lamport: e.lamport, op })
    this.roster = foldRoster(this.founder, this.#controls)
    const mine = op.keys.find((k) => k.member.equals(this.me.publicKey))
    const key = mine === undefined ? null : openSealed(this.me, mine.sealed)
    if (key !== null && key.byteLength === 32) this.keys.set(e.hex, key)
  }

  /** Where an entry goes in display order (binary search; usually the end). */
  #slot (e: Placed): number {
    let lo = 0
    let hi = this.ordered.length
    if (hi > 0 && compareOrder(this.ordered[hi - 1], e) < 0) return hi
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareOrder(this.ordered[mid], e) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The display position of an entry (its index in history). */
  indexOf (e: Placed): number {
    const i = this.#slot(e)
    return this.ordered[i] === e ? i : this.ordered.indexOf(e)
  }

  // --- my own entries

  get myStatus (): string { return this.roster.members.get(this.meHex)?.status ?? 'none' }

  /** A text or action line; seals a new key first when the roster changed since the last one. */
  writeText (text: string, kind: 'text' | 'action', now: number): Placed[] {
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new PsstError('TOO_LONG', `the message is too long for a group (at most ${MAX_TEXT_BYTES} bytes)`)
    this.#mustBeIn()
    const out: Placed[] = []
    let intro = currentKey(this.roster)
    if (intro === null || !this.keys.has(intro.id)) {
      out.push(this.rekey(now))
      intro = currentKey(this.roster)!
    }
    const header = { ...this.#nextHeader(now), kind, epoch: Buffer.from(intro.id, 'hex') }
    const e = placed(textEntry(header, text, this.keys.get(intro.id)!, this.me))
    this.#place(e)
    out.push(e)
    return out
  }

  /** A membership change, role or topic (the roster's rules decide whether it counts). */
  writeControl (op: Omit<ControlOp, 'keys' | 'nonce' | 'nick'>, now: number): Placed {
    if (op.op !== 'join') this.#mustBeIn()
    const rotates = op.op === 'add' || op.op === 'remove'
    let recipients: Buffer[] = []
    if (rotates) {
      const stay = activeMembers(this.roster).filter((m) => op.op !== 'remove' || !m.key.equals(op.member!)).map((m) => m.key)
      recipients = op.op === 'add' ? [...stay, op.member!] : stay
    }
    return this.#writeControl({ ...op, nonce: null, keys: [], nick: this.nick }, now, recipients)
  }

  /** A new key for everyone in the group now. */
  rekey (now: number): Placed {
    return this.#writeControl({ op: 'rekey', member: null, text: '', role: 'member', nonce: null, keys: [], nick: '' }, now, activeMembers(this.roster).map((m) => m.key))
  }

  #writeControl (op: ControlOp, now: number, recipients: Buffer[]): Placed {
    const key = recipients.length > 0 ? randomBytes(32) : null
    const keys = key === null ? [] : recipients.map((member) => ({ member, sealed: sealTo(member, key) }))
    const e = placed(controlEntry(this.#nextHeader(now), { ...op, keys }, this.me))
    // My own key is in the ring before the entry is placed (placing opens only what is sealed to me).
    if (key !== null) this.keys.set(e.hex, key)
    this.#place(e)
    return e
  }

  #nextHeader (now: number): Omit<EntryHeader, 'kind' | 'epoch'> {
    const mine = this.#byAuthor.get(this.meHex) ?? []
    const prev = mine.length === 0 ? null : mine[mine.length - 1]
    const deps: Dep[] = [...this.#heads]
      .map((hex) => this.#byHash.get(hex)!)
      .filter((e) => e !== prev)
      .sort((a, b) => compareOrder(b, a))
      .slice(0, MAX_DEPS)
      .map((e) => ({ author: e.entry.author, seq: e.seq, hash: e.hash }))
    return { groupId: this.groupId, author: this.me.publicKey, seq: mine.length + 1, prev: prev?.hash ?? null, deps, lamport: this.#lamport + 1, sentAt: now }
  }

  #mustBeIn (): void {
    const me = this.roster.members.get(this.meHex)
    if (me?.status !== 'joined') throw new PsstError('NOT_MEMBER', me === undefined || !isActive(me) ? 'you are no longer a member of this group' : 'join the group first (psst group join)')
  }

  // --- reading

  /** The text of an entry, or null when I do not hold its key. */
  textOf (e: Placed): string | null {
    if (e.entry.kind === 'control') return null
    const key = this.keys.get(e.entry.epoch.toString('hex'))
    return key === undefined ? null : openText(e.entry, key)
  }

  roleOf (hex: string): Role | null { return this.roster.members.get(hex)?.role ?? null }
}

function placed (s: SignedEntry): Placed {
  return Object.assign(s, { lamport: s.entry.lamport, seq: s.entry.seq })
}
