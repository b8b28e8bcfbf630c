/**
 * A profile's groups (docs/groups.md): what it stores, the commands the daemon exposes, and the
 * gossip with other members over `psst-group/1` on friends' links. The daemon gives it the
 * links and a way to store and to tell clients; it knows nothing of friends beyond that.
 */
import type { KeyPair } from '../crypto/identity.js'
import { generateKeyPair } from '../crypto/identity.js'
import type { ChannelOpener } from '../net/link.js'
import type { StoreOp } from '../storage/profile-store.js'
import type { Op } from '../storage/level-store.js'
import type {
  GroupForgery, GroupHistoryEntry, GroupInfo, GroupInviteInfo, GroupMemberInfo, GroupRole, PsstEvent, SendResult
} from '../wire/api.js'
import { PsstError } from '../errors.js'
import { GroupLog, type DropReason, type Placed } from './group.js'
import { decodeEntry, decodeGroupRecord, encodeGroupRecord, MAX_ENTRIES_PER_FRAME, MAX_GROUP_NAME_BYTES, MAX_TOPIC_BYTES, type GroupFrame, type GroupRecord, type Head } from './wire.js'
import { openGroupChannelOn, type GroupChannel } from './channel.js'
import { historyEntry, history, members, groupInfo, type NameOf } from './view.js'
import { isActive, wouldCount, compareOrder } from './roster.js'
import { textEntry } from './entry.js'

/** Members each new entry is pushed to at once; the rest get it from them (docs/groups.md, Gossip). */
export const FANOUT = 8
/** How often a group compares notes with one linked member, to heal anything a push missed. */
export const ANTI_ENTROPY_MS = 5000
const FRAME_BUDGET_BYTES = 256 * 1024
const RECORD_SUFFIX = Buffer.from([0])
const ENTRY_TAG = 1

export interface GroupsHost {
  keyPair: KeyPair
  now (): number
  myName (): string
  /** A friend's shown name, or null for a key that is not a friend. */
  friendName (hex: string): string | null
  groupOp (groupId: Buffer, suffix: Buffer, value: Buffer): Op
  loadGroupValues (): Promise<Array<{ group: string, suffix: Buffer, value: Buffer }>>
  write (ops: StoreOp[]): Promise<void>
  emit (event: PsstEvent): void
  /** False when no client listens: lines are then not decrypted for events nobody reads. */
  wantsEvents (): boolean
  count (name: string, n?: number): void
  log (line: string): void
}

interface Held { rec: GroupRecord, log: GroupLog | null }

export class Groups {
  readonly #host: GroupsHost
  readonly #groups = new Map<string, Held>()
  readonly #peers = new Map<string, GroupChannel>()
  #timer: NodeJS.Timeout | null = null

  private constructor (host: GroupsHost) {
    this.#host = host
  }

  static async load (host: GroupsHost): Promise<Groups> {
    const g = new Groups(host)
    const byGroup = new Map<string, { rec: GroupRecord | null, entries: Buffer[] }>()
    for (const v of await host.loadGroupValues()) {
      const slot = byGroup.get(v.group) ?? { rec: null, entries: [] }
      byGroup.set(v.group, slot)
      if (v.suffix.byteLength === 1 && v.suffix[0] === 0) slot.rec = decodeGroupRecord(v.value)
      else if (v.suffix[0] === ENTRY_TAG) slot.entries.push(v.value)
    }
    for (const [hex, slot] of byGroup) {
      if (slot.rec === null) { host.count('group-records-unreadable'); continue }
      const held: Held = { rec: slot.rec, log: null }
      if (slot.rec.state !== 'invited' && slot.rec.state !== 'declined') {
        held.log = new GroupLog(slot.rec.groupId, host.keyPair, null, slot.rec.keys)
        const sorted = slot.entries.map((b) => ({ b, e: decodeEntry(b) })).filter((x) => x.e !== null)
          .sort((a, b) => a.e!.lamport - b.e!.lamport).map((x) => x.b)
        const r = held.log.receive(sorted)
        if (r.dropped.length > 0) host.count('group-entries-unreadable-at-start', r.dropped.length)
      }
      g.#groups.set(hex, held)
    }
    g.#timer = setInterval(() => g.#antiEntropy(), ANTI_ENTROPY_MS)
    g.#timer.unref()
    return g
  }

  close (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    for (const ch of this.#peers.values()) ch.close()
    this.#peers.clear()
  }

  // --- links

  /** A friend's link is up: group gossip with them runs on its own channel. */
  attach (hex: string, link: ChannelOpener): void {
    const ch = openGroupChannelOn(link, {
      onOpen: () => this.#onPeerOpen(hex, ch),
      onClose: () => { if (this.#peers.get(hex) === ch) this.#peers.delete(hex) },
      onFrame: (frame) => this.#onFrame(hex, ch, frame),
      onDrop: (reason) => this.#host.count(reason)
    })
  }

  #onPeerOpen (hex: string, ch: GroupChannel): void {
    this.#peers.set(hex, ch)
    for (const held of this.#groups.values()) {
      const log = held.log
      if (log === null) continue
      if (held.rec.state === 'joining' || (held.rec.state === 'joined' && isActive(log.roster.members.get(hex)))) {
        ch.send({ type: 'have', groupId: log.groupId, heads: log.heads() })
      }
      // An invitation not answered yet is given again whenever the invitee comes online.
      if (held.rec.state === 'joined' && log.roster.members.get(hex)?.status === 'invited') this.#sendInvite(held, hex)
    }
  }

  #onFrame (hex: string, ch: GroupChannel, frame: GroupFrame): void {
    if (frame.type === 'invite') return this.#onInvite(hex, frame)
    const held = this.#groups.get(frame.groupId.toString('hex'))
    if (held === undefined || held.log === null) return
    switch (frame.type) {
      case 'have': return this.#onHave(held, hex, ch, frame.heads)
      case 'want':
        if (!this.#serves(held, hex)) return
        void this.#sendEntries(ch, held.log, frame.from.flatMap((h) => held.log!.from(h.author.toString('hex'), h.seq)).sort(compareOrder), false)
        return
      case 'entries': return this.#onEntries(held, hex, ch, frame.entries, frame.live)
      case 'decline': return this.#onDecline(held, hex)
    }
  }

  /** Only members (invited or joined, in my copy of the roster) get anything of a group. */
  #serves (held: Held, hex: string): boolean {
    return held.log !== null && held.rec.state === 'joined' && isActive(held.log.roster.members.get(hex))
  }

  #onHave (held: Held, hex: string, ch: GroupChannel, theirs: Head[]): void {
    const log = held.log!
    if (this.#serves(held, hex)) void this.#sendEntries(ch, log, log.missingFor(theirs), false)
    const mine = new Map(log.heads().map((h) => [h.author.toString('hex'), h.seq]))
    const want = theirs.filter((h) => h.seq > (mine.get(h.author.toString('hex')) ?? 0))
      .map((h) => ({ author: h.author, seq: (mine.get(h.author.toString('hex')) ?? 0) + 1 }))
    if (want.length > 0 && this.#accepts(held)) ch.send({ type: 'want', groupId: log.groupId, from: want })
  }

  #accepts (held: Held): boolean { return held.rec.state === 'joined' || held.rec.state === 'joining' }

  async #sendEntries (ch: GroupChannel, log: GroupLog, entries: Placed[], live: boolean): Promise<void> {
    let batch: Buffer[] = []
    let bytes = 0
    const flush = async (): Promise<void> => {
      if (batch.length === 0 || ch.closed) return
      const ok = ch.send({ type: 'entries', groupId: log.groupId, entries: batch, live })
      batch = []
      bytes = 0
      if (!ok) await ch.drained()
    }
    for (const e of entries) {
      if (batch.length >= MAX_ENTRIES_PER_FRAME || bytes + e.bytes.byteLength > FRAME_BUDGET_BYTES) await flush()
      batch.push(e.bytes)
      bytes += e.bytes.byteLength
    }
    await flush()
  }

  #onEntries (held: Held, hex: string, ch: GroupChannel, raw: Buffer[], live: boolean): void {
    if (!this.#accepts(held)) return
    const log = held.log!
    const r = log.receive(raw)
    for (const why of r.dropped) this.#countDrop(why)
    if (r.missing.length > 0) ch.send({ type: 'want', groupId: log.groupId, from: r.missing })
    if (r.accepted.length === 0) return
    // What a catch-up brought is old news to my other peers: anti-entropy covers any who lack it.
    void this.#accepted(held, r.accepted, hex, live)
  }

  #countDrop (why: DropReason): void {
    this.#host.count(`group-entries-dropped-${why}`)
    this.#host.count('group-entries-dropped')
  }

  /**
   * Stores what a group took, tells clients, passes it on, and follows my own standing. My own
   * entries go out only once they are on disk: one that a crash lost after others got it would
   * make me write a different entry under the same seq.
   */
  #accepted (held: Held, entries: Placed[], from: string | null, passOn = true): Promise<void> {
    const log = held.log!
    let changed = false
    for (const e of entries) {
      if (e.entry.kind === 'control') changed = true
      else if (e.authorHex !== log.meHex) held.rec.unread++
    }
    const before = held.rec.state
    this.#followStanding(held)
    held.rec.keys = log.keyRing()
    const ops: StoreOp[] = entries.map((e) => this.#host.groupOp(log.groupId, entrySuffix(e), e.bytes))
    ops.push(this.#recordOp(held))
    const announce = (): void => {
      // Passed on first: the next hop's time is the group's latency, this member's clients can wait a moment.
      if (passOn) this.#push(held, entries, from)
      this.#tell(held, entries)
      if (changed || before !== held.rec.state) this.#host.emit({ type: 'group-changed', ...groupInfo(held.rec, log) })
      if (held.rec.state === 'joining') this.#maybeJoin(held)
    }
    if (from === null) return this.#host.write(ops).then(announce)
    this.#write(ops)
    announce()
    return Promise.resolve()
  }

  #followStanding (held: Held): void {
    const status = held.log!.myStatus
    if (held.rec.state === 'joined' && (status === 'removed' || status === 'left')) held.rec.state = status
    if (held.rec.state === 'joining' && status === 'joined') held.rec.state = 'joined'
  }

  #maybeJoin (held: Held): void {
    const log = held.log!
    if (log.myStatus !== 'invited') return
    const e = this.#named(log).writeControl({ op: 'join', member: null, text: '', role: 'member' }, this.#host.now())
    this.#accepted(held, [e], null).catch((err: Error) => this.#host.log(`group join not stored: ${err.message}`))
  }

  #tell (held: Held, entries: Placed[]): void {
    if (!this.#host.wantsEvents()) return
    const log = held.log!
    const nameOf = this.#nameOf(log)
    const groupName = groupInfo(held.rec, log).name
    for (const e of entries) {
      const index = log.indexOf(e)
      const line = historyEntry(log, e, index, nameOf)
      this.#host.emit({ type: 'group-message', groupName, ...line, ...(index < log.size - 1 ? { late: true } : {}) })
    }
  }

  /** New entries go to up to FANOUT linked members, never back to where they came from. */
  #push (held: Held, entries: Placed[], from: string | null): void {
    const log = held.log!
    const targets = [...this.#peers.keys()].filter((hex) => hex !== from && this.#serves(held, hex))
    shuffle(targets)
    for (const hex of targets.slice(0, FANOUT)) void this.#sendEntries(this.#peers.get(hex)!, log, entries, true)
  }

  #antiEntropy (): void {
    for (const held of this.#groups.values()) {
      if (held.log === null || !this.#accepts(held)) continue
      const linked = [...this.#peers.keys()].filter((hex) => held.rec.state === 'joining' || this.#serves(held, hex))
      if (linked.length === 0) continue
      const hex = linked[Math.floor(Math.random() * linked.length)]
      this.#peers.get(hex)!.send({ type: 'have', groupId: held.log.groupId, heads: held.log.heads() })
    }
  }

  #recordOp (held: Held): Op {
    return this.#host.groupOp(held.rec.groupId, RECORD_SUFFIX, encodeGroupRecord(held.rec))
  }

  #write (ops: StoreOp[]): void {
    this.#host.write(ops).catch((err: Error) => this.#host.log(`group entries not stored: ${err.message}`))
  }

  // --- invitations

  #sendInvite (held: Held, hex: string): void {
    const ch = this.#peers.get(hex)
    if (ch === undefined) return
    const log = held.log!
    ch.send({ type: 'invite', groupId: log.groupId, name: groupInfo(held.rec, log).name, keys: log.keyRing(), entries: [] })
  }

  #onInvite (hex: string, frame: Extract<GroupFrame, { type: 'invite' }>): void {
    const gid = frame.groupId.toString('hex')
    const held = this.#groups.get(gid)
    if (held !== undefined) {
      // Keys of a group I am already joining or in: the history it opens is welcome.
      if (held.log !== null && this.#accepts(held)) for (const k of frame.keys) held.log.keys.set(k.id.toString('hex'), k.key)
      // Invited again after leaving or being removed is a new invitation; one I am in is not, and a
      // declined one stays declined (it is given again at every link up; psst group join still takes it).
      if (this.#accepts(held) || held.rec.state === 'declined') return
    }
    const rec: GroupRecord = { groupId: Buffer.from(frame.groupId), name: frame.name, state: 'invited', from: Buffer.from(hex, 'hex'), keys: frame.keys.map((k) => ({ id: Buffer.from(k.id), key: Buffer.from(k.key) })), unread: 0 }
    const fresh = held === undefined || held.rec.state !== 'invited'
    this.#groups.set(gid, { rec, log: null })
    this.#write([this.#recordOp({ rec, log: null })])
    if (fresh) this.#host.emit({ type: 'group-invite', ...this.#inviteInfo(rec) })
  }

  #inviteInfo (rec: GroupRecord): GroupInviteInfo {
    const from = rec.from.toString('hex')
    return { groupId: rec.groupId.toString('hex'), name: rec.name, from, fromName: this.#host.friendName(from) ?? '' }
  }

  /** The invitee said no: a moderator who sees it takes them off the roster (which seals a new key). */
  #onDecline (held: Held, hex: string): void {
    const log = held.log!
    if (held.rec.state !== 'joined' || log.roster.members.get(hex)?.status !== 'invited') return
    const op = { op: 'remove' as const, member: Buffer.from(hex, 'hex'), text: '', role: 'member' as const }
    if (!wouldCount(log.roster, log.meHex, op)) return
    this.#accepted(held, [this.#named(log).writeControl(op, this.#host.now())], null).catch((err: Error) => this.#host.log(`group removal not stored: ${err.message}`))
  }

  // --- commands

  find (query: string, states: Array<GroupRecord['state']> | null = null): Held {
    const q = query.trim()
    const all = [...this.#groups.values()].filter((h) => states === null || states.includes(h.rec.state))
    const lower = q.toLowerCase()
    const byName = all.filter((h) => groupInfo(h.rec, h.log).name === q)
    const byNameCi = byName.length > 0 ? byName : all.filter((h) => groupInfo(h.rec, h.log).name.toLowerCase() === lower)
    const byId = /^[0-9a-f]{4,64}$/.test(lower) ? all.filter((h) => h.rec.groupId.toString('hex').startsWith(lower)) : []
    const found = byNameCi.length > 0 ? byNameCi : byId
    if (found.length === 1) return found[0]
    if (found.length > 1) throw new PsstError('AMBIGUOUS', `"${q}" matches ${found.length} groups; use more of the group id (psst group list shows them)`)
    throw new PsstError('NOT_FOUND', `no group matches "${q}" (psst group list shows your groups, psst group invites your invitations)`)
  }

  has (query: string): boolean {
    try { this.find(query); return true } catch { return false }
  }

  async create (name: string): Promise<{ groupId: string, name: string }> {
    const clean = checkName(name)
    const { log, first } = GroupLog.create(clean, this.#host.keyPair, this.#host.now(), this.#host.myName())
    const rec: GroupRecord = { groupId: log.groupId, name: clean, state: 'joined', from: this.#host.keyPair.publicKey, keys: log.keyRing(), unread: 0 }
    const held = { rec, log }
    this.#groups.set(log.groupId.toString('hex'), held)
    await this.#accepted(held, [first], null)
    return { groupId: log.groupId.toString('hex'), name: clean }
  }

  async invite (query: string, friendHex: string, friendName: string): Promise<{ groupId: string, publicKey: string }> {
    const held = this.#joined(query)
    const log = held.log!
    const member = log.roster.members.get(friendHex)
    if (!isActive(member)) {
      const op = { op: 'add' as const, member: Buffer.from(friendHex, 'hex'), text: friendName, role: 'member' as const }
      if (!wouldCount(log.roster, log.meHex, op)) throw new PsstError('NOT_ALLOWED', 'only the founder and moderators can invite (psst group members shows roles)')
      await this.#accepted(held, [this.#named(log).writeControl(op, this.#host.now())], null)
    } else if (member.status === 'joined') {
      throw new PsstError('USAGE', `${friendName || friendHex.slice(0, 12)} is already in ${groupInfo(held.rec, log).name}`)
    }
    this.#sendInvite(held, friendHex)
    return { groupId: log.groupId.toString('hex'), publicKey: friendHex }
  }

  invites (): GroupInviteInfo[] {
    return [...this.#groups.values()].filter((h) => h.rec.state === 'invited').map((h) => this.#inviteInfo(h.rec))
  }

  join (query: string): { groupId: string, name: string } {
    const held = this.find(query, ['invited', 'declined', 'joining', 'joined'])
    const rec = held.rec
    if (rec.state === 'invited' || rec.state === 'declined') {
      rec.state = 'joining'
      held.log = new GroupLog(rec.groupId, this.#host.keyPair, null, rec.keys)
      this.#write([this.#recordOp(held)])
      for (const ch of this.#peers.values()) ch.send({ type: 'have', groupId: rec.groupId, heads: [] })
    }
    return { groupId: rec.groupId.toString('hex'), name: groupInfo(rec, held.log).name }
  }

  decline (query: string): { groupId: string } {
    const held = this.find(query, ['invited'])
    held.rec.state = 'declined'
    this.#write([this.#recordOp(held)])
    this.#peers.get(held.rec.from.toString('hex'))?.send({ type: 'decline', groupId: held.rec.groupId })
    return { groupId: held.rec.groupId.toString('hex') }
  }

  async leave (query: string): Promise<{ groupId: string }> {
    const held = this.find(query)
    if (held.rec.state === 'joined') {
      await this.#accepted(held, [this.#named(held.log!).writeControl({ op: 'leave', member: null, text: '', role: 'member' }, this.#host.now())], null)
    }
    held.rec.state = held.rec.state === 'invited' ? 'declined' : 'left'
    this.#write([this.#recordOp(held)])
    return { groupId: held.rec.groupId.toString('hex') }
  }

  async remove (query: string, member: string): Promise<{ groupId: string, publicKey: string }> {
    const held = this.#joined(query)
    const log = held.log!
    const hex = this.#member(log, member)
    const op = { op: 'remove' as const, member: Buffer.from(hex, 'hex'), text: '', role: 'member' as const }
    if (!wouldCount(log.roster, log.meHex, op)) throw new PsstError('NOT_ALLOWED', 'only the founder removes moderators, and moderators remove members (psst group members shows roles)')
    const e = this.#named(log).writeControl(op, this.#host.now())
    await this.#accepted(held, [e], null)
    // They learn of their removal (the entry opens nothing for them), and nothing after it.
    const ch = this.#peers.get(hex)
    if (ch !== undefined) void this.#sendEntries(ch, log, [e], true)
    return { groupId: log.groupId.toString('hex'), publicKey: hex }
  }

  async role (query: string, member: string, role: GroupRole): Promise<{ groupId: string, publicKey: string, role: GroupRole }> {
    if (role !== 'moderator' && role !== 'member') throw PsstError.usage('a role is moderator or member')
    const held = this.#joined(query)
    const log = held.log!
    const hex = this.#member(log, member)
    const op = { op: 'role' as const, member: Buffer.from(hex, 'hex'), text: '', role }
    if (!wouldCount(log.roster, log.meHex, op)) throw new PsstError('NOT_ALLOWED', 'only the founder sets roles, and not their own')
    await this.#accepted(held, [this.#named(log).writeControl(op, this.#host.now())], null)
    return { groupId: log.groupId.toString('hex'), publicKey: hex, role }
  }

  async topic (query: string, text: string): Promise<{ groupId: string, topic: string }> {
    if (Buffer.byteLength(text) > MAX_TOPIC_BYTES) throw new PsstError('TOO_LONG', `the topic is too long (at most ${MAX_TOPIC_BYTES} bytes)`)
    const held = this.#joined(query)
    const log = held.log!
    const op = { op: 'topic' as const, member: null, text, role: 'member' as const }
    if (!wouldCount(log.roster, log.meHex, op)) throw new PsstError('NOT_ALLOWED', 'only the founder and moderators set the topic')
    await this.#accepted(held, [this.#named(log).writeControl(op, this.#host.now())], null)
    return { groupId: log.groupId.toString('hex'), topic: text }
  }

  members (query: string): GroupMemberInfo[] {
    const held = this.find(query)
    if (held.log === null) return []
    return members(held.log, this.#nameOf(held.log), (hex) => this.#peers.get(hex)?.opened === true)
  }

  list (): GroupInfo[] {
    return [...this.#groups.values()].filter((h) => h.rec.state !== 'invited' && h.rec.state !== 'declined')
      .map((h) => groupInfo(h.rec, h.log)).sort((a, b) => a.name.localeCompare(b.name) || a.groupId.localeCompare(b.groupId))
  }

  async send (query: string, text: string, action: boolean): Promise<SendResult> {
    const held = this.#joined(query)
    const out = held.log!.writeText(text, action ? 'action' : 'text', this.#host.now())
    await this.#accepted(held, out, null)
    const e = out[out.length - 1]
    return { id: e.hex, seq: e.seq, state: 'delivered' }
  }

  history (query: string, limit: number, before?: number): GroupHistoryEntry[] {
    const held = this.find(query)
    if (held.log === null) return []
    return history(held.log, this.#nameOf(held.log), limit, before)
  }

  markRead (query: string): { unread: 0 } {
    const held = this.find(query)
    if (held.rec.unread !== 0) { held.rec.unread = 0; this.#write([this.#recordOp(held)]) }
    return { unread: 0 }
  }

  /** Tests only: an entry each member must drop, sent to my linked members as if it were real. */
  forge (query: string, forgery: GroupForgery): { sent: number } {
    const held = this.#joined(query)
    const log = held.log!
    const mine = log.from(log.meHex, 1)
    const last = log.ordered[log.ordered.length - 1]
    const epochId = [...log.keys.keys()].pop()!
    const author = forgery === 'non-member' ? generateKeyPair() : this.#host.keyPair
    const self = author === this.#host.keyPair
    const header = {
      groupId: log.groupId,
      author: author.publicKey,
      seq: self ? mine.length + 1 : 1,
      prev: self && mine.length > 0 ? mine[mine.length - 1].hash : null,
      deps: [{ author: last.entry.author, seq: last.seq, hash: last.hash }],
      lamport: last.lamport + 1,
      sentAt: this.#host.now(),
      kind: 'text' as const,
      epoch: forgery === 'wrong-epoch' ? Buffer.alloc(32, 0x5a) : Buffer.from(epochId, 'hex')
    }
    const e = textEntry(header, `forged (${forgery})`, log.keys.get(epochId)!, author)
    if (forgery === 'bad-signature') e.bytes[e.bytes.byteLength - 1] ^= 1
    let sent = 0
    for (const [hex, ch] of this.#peers) {
      if (this.#serves(held, hex) && ch.send({ type: 'entries', groupId: log.groupId, entries: [e.bytes], live: true })) sent++
    }
    return { sent }
  }

  #joined (query: string): Held {
    const held = this.find(query)
    if (held.rec.state === 'joining') throw new PsstError('NOT_MEMBER', `still catching up with ${groupInfo(held.rec, held.log).name}: try again once a member has been online (psst group list shows the state)`)
    if (held.rec.state !== 'joined' || held.log === null) throw new PsstError('NOT_MEMBER', `you are not in ${groupInfo(held.rec, held.log).name} (${held.rec.state})`)
    return held
  }

  /** A member by public key prefix or by the name shown for them. */
  #member (log: GroupLog, query: string): string {
    const q = query.trim().toLowerCase()
    const nameOf = this.#nameOf(log)
    const active = [...log.roster.members.values()].filter(isActive)
    const byName = active.filter((m) => nameOf(m.hex).toLowerCase() === q)
    const found = byName.length > 0 ? byName : /^[0-9a-f]{4,64}$/.test(q) ? active.filter((m) => m.hex.startsWith(q)) : []
    if (found.length === 1) return found[0].hex
    if (found.length > 1) throw new PsstError('AMBIGUOUS', `"${query}" matches ${found.length} members; use more of the key (psst group members)`)
    throw new PsstError('NOT_FOUND', `no member of the group matches "${query}" (psst group members lists them)`)
  }

  /** My current name goes with each of my control entries. */
  #named (log: GroupLog): GroupLog {
    log.nick = this.#host.myName()
    return log
  }

  #nameOf (log: GroupLog): NameOf {
    return (hex) => {
      if (hex === log.meHex) return this.#host.myName()
      const friend = this.#host.friendName(hex)
      if (friend !== null && friend !== '') return friend
      const named = log.roster.members.get(hex)?.name
      return named !== undefined && named !== '' ? named : hex.slice(0, 12)
    }
  }
}

function entrySuffix (e: Placed): Buffer {
  return Buffer.concat([Buffer.from([ENTRY_TAG]), e.hash])
}

function checkName (name: string): string {
  const clean = typeof name === 'string' ? name.trim() : ''
  if (clean === '') throw PsstError.usage('a group needs a name')
  if (Buffer.byteLength(clean) > MAX_GROUP_NAME_BYTES) throw new PsstError('TOO_LONG', `a group name is at most ${MAX_GROUP_NAME_BYTES} bytes`)
  return clean
}

function shuffle<T> (a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = a[i]; a[i] = a[j]; a[j] = t
  }
}
