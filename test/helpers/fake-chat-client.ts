/**
 * An in-memory ChatClient for TUI tests and manual runs in tmux: canned identity, friends, requests
 * and histories (generated on demand, so a 100 000-message conversation costs nothing), every call
 * recorded, and events pushed by the test.
 */
import { PsstError } from '../../src/errors.js'
import type {
  ChatClient, FriendInfo, HistoryEntry, IdInfo, Method, Params, PsstEvent, RequestInfo, Result
} from '../../src/apps/tui/client.js'
import type { GroupInfo, GroupMemberInfo } from '../../src/daemon/api.js'

export const ME_KEY = 'a'.repeat(64)

export interface FakeConversation {
  /** How many generated messages the history starts with. */
  size: number
  /** Messages added later (sent, received by events). */
  extra: HistoryEntry[]
}

export interface FakeOptions {
  friends?: FriendInfo[]
  requests?: RequestInfo[]
  /** Generated history length per friend key. */
  histories?: Record<string, number>
  /** Push `sent` then `receipt` events after each send (ms); null: never. */
  deliverAfterMs?: number | null
  /** Base time of generated history. */
  baseTime?: number
}

export function friend (key: string, name: string, patch: Partial<FriendInfo> = {}): FriendInfo {
  return {
    publicKey: key, state: 'friends', name, online: true, status: 'online', statusMessage: '', lastSeen: 0,
    unread: 0, mailbox: null, ...patch
  }
}

export class FakeChatClient implements ChatClient {
  readonly calls: Array<{ method: Method, params: unknown }> = []
  readonly friends: FriendInfo[]
  readonly requests: RequestInfo[]
  readonly conversations = new Map<string, FakeConversation>()
  id: IdInfo = { id: 'A'.repeat(64) + '0123456789AB', publicKey: ME_KEY, nospam: '01234567', name: 'me', status: 'online', statusMessage: '' }
  /** Make the next call of a method fail with this error. */
  readonly failNext = new Map<Method, PsstError>()
  #onEvent: ((e: PsstEvent) => void) | null = null
  #onClose: Array<() => void> = []
  #onConnection: Array<(state: 'reconnecting' | 'connected', detail?: string) => void> = []
  #seq = 0
  closed = false
  readonly opts: FakeOptions

  constructor (opts: FakeOptions = {}) {
    this.opts = opts
    this.friends = opts.friends ?? []
    this.requests = opts.requests ?? []
    for (const [key, size] of Object.entries(opts.histories ?? {})) this.conversations.set(key, { size, extra: [] })
  }

  /** What groupList and groupMembers answer (issue 18). */
  groups: GroupInfo[] = []
  groupMembers: GroupMemberInfo[] = []

  callsOf (method: Method): unknown[] {
    return this.calls.filter(c => c.method === method).map(c => c.params)
  }

  emit (e: PsstEvent): void {
    this.#onEvent?.(e)
  }

  /** Simulates the daemon going away. */
  drop (): void {
    for (const fn of this.#onClose) fn()
  }

  /** Simulates a reconnecting client (src/daemon/resilient-client.ts): the daemon went away, or is back. */
  connection (state: 'reconnecting' | 'connected', detail?: string): void {
    for (const fn of this.#onConnection) fn(state, detail)
  }

  onConnection (fn: (state: 'reconnecting' | 'connected', detail?: string) => void): void {
    this.#onConnection.push(fn)
  }

  async subscribe (onEvent: (e: PsstEvent) => void): Promise<void> {
    this.#onEvent = onEvent
  }

  onClose (fn: () => void): void {
    this.#onClose.push(fn)
  }

  close (): void {
    this.closed = true
  }

  #conversation (key: string): FakeConversation {
    let c = this.conversations.get(key)
    if (c === undefined) { c = { size: 0, extra: [] }; this.conversations.set(key, c) }
    return c
  }

  generated (key: string, index: number): HistoryEntry {
    const mine = index % 3 === 0
    return {
      id: `${key.slice(0, 4)}-${index}`, seq: index, from: mine ? 'me' : key, kind: 'text',
      text: `message number ${index}`, sentAt: (this.opts.baseTime ?? 1_700_000_000_000) + index * 60_000,
      state: 'delivered', index
    }
  }

  /** Adds a message from `key` to the history and pushes the `message` event. */
  receive (key: string, text: string, sentAt = Date.now()): HistoryEntry {
    const c = this.#conversation(key)
    const index = c.size + c.extra.length
    const m: HistoryEntry = { id: `in-${key.slice(0, 4)}-${index}`, seq: index, from: key, kind: 'text', text, sentAt, state: 'delivered', index }
    c.extra.push(m)
    this.emit({ type: 'message', friend: key, ...m })
    return m
  }

  #history (p: Params<'history'>): HistoryEntry[] {
    const c = this.#conversation(p.friend)
    const total = c.size + c.extra.length
    const end = Math.min(total, p.before ?? total)
    const start = Math.max(0, end - (p.limit ?? 50))
    const out: HistoryEntry[] = []
    for (let i = start; i < end; i++) out.push(i < c.size ? this.generated(p.friend, i) : c.extra[i - c.size])
    return out
  }

  /** As the daemon pages backwards: `next` is the oldest index returned, null at the beginning. */
  #historyPage (p: Params<'historyPage'>): { entries: HistoryEntry[], next: number | null } {
    const entries = this.#history({ friend: p.friend, limit: p.limit, before: p.before })
    return { entries, next: entries.length > 0 && entries[0].index > 0 ? entries[0].index : null }
  }

  #find (q: string): FriendInfo {
    const f = this.friends.find(x => x.publicKey === q || x.publicKey.startsWith(q) || x.name === q)
    if (f === undefined) throw new PsstError('NOT_FRIEND', `no friend ${q}`)
    return f
  }

  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    this.calls.push({ method, params })
    const fail = this.failNext.get(method)
    if (fail !== undefined) { this.failNext.delete(method); throw fail }
    return this.#answer(method, params) as Result<M>
  }

  #answer (method: Method, params: unknown): unknown {
    const p = params as Record<string, unknown>
    switch (method) {
      case 'id': return this.id
      case 'status': return { running: true, pid: 1, publicKey: ME_KEY, dht: { state: 'online', host: '127.0.0.1', port: 49737, bootstrap: [] }, friendsOnline: 1, counters: {} }
      case 'friends': return this.friends.map(f => ({ ...f }))
      case 'requests': return this.requests.map(r => ({ ...r }))
      case 'history': return this.#history(params as Params<'history'>)
      case 'historyPage': return this.#historyPage(params as Params<'historyPage'>)
      case 'markRead': return { unread: 0 }
      case 'typing': return { ok: true }
      case 'nick': this.id = { ...this.id, name: String(p.name) }; return this.id
      case 'setStatus': this.id = { ...this.id, status: p.status as IdInfo['status'], statusMessage: typeof p.message === 'string' ? p.message : this.id.statusMessage }; return { status: this.id.status, statusMessage: this.id.statusMessage }
      case 'nospam': return p.new === true ? (this.id = { ...this.id, nospam: '89ABCDEF' }) : this.id
      case 'add': return { publicKey: String(p.id).slice(0, 64).toLowerCase(), state: 'request-sent' }
      case 'accept': {
        const r = this.requests.find(x => x.publicKey === p.friend)
        if (r === undefined) throw PsstError.notFound('no such request')
        this.requests.splice(this.requests.indexOf(r), 1)
        const f = friend(r.publicKey, r.name)
        this.friends.push(f)
        return f
      }
      case 'decline': return { publicKey: p.friend }
      case 'alias': {
        const f = this.#find(String(p.friend))
        if (p.alias !== undefined) f.alias = p.alias === null ? '' : String(p.alias)
        return { ...f }
      }
      case 'remove': return { publicKey: this.#find(String(p.friend)).publicKey }
      case 'block': case 'unblock': return { publicKey: String(p.key) }
      case 'send': return this.#send(params as Params<'send'>)
      case 'fileSend': return { fileId: 'f'.repeat(32), friend: p.friend, direction: 'out', name: String(p.path).split('/').pop(), size: 3, bytes: 0, state: 'offered', path: p.path }
      case 'fileAccept': return { fileId: p.fileId ?? 'a'.repeat(32), friend: p.friend ?? '', direction: 'in', name: 'x.bin', size: 3, bytes: 0, state: 'accepted', path: '/dl/x.bin' }
      case 'deviceList': return [
        { deviceKey: ME_KEY, name: 'desktop', current: true, lastSeen: Date.now() },
        { deviceKey: 'd'.repeat(64), name: 'laptop', current: false, lastSeen: 0 }
      ]
      case 'groupList': return this.groups.map((g) => ({ ...g }))
      case 'groupMembers': return this.groupMembers.map((m) => ({ ...m }))
      case 'groupSend': return { id: `g-${++this.#seq}`, seq: this.#seq, state: 'delivered' }
      case 'groupTopic': return { groupId: p.group, topic: p.text }
      case 'groupInvite': return { groupId: p.group, publicKey: p.friend }
      default: throw PsstError.internal(`fake: ${method} not implemented`)
    }
  }

  #send (p: Params<'send'>): Result<'send'> {
    const f = this.#find(p.friend)
    const c = this.#conversation(f.publicKey)
    const index = c.size + c.extra.length
    const id = `out-${++this.#seq}`
    c.extra.push({ id, seq: index, from: 'me', kind: p.action === true ? 'action' : 'text', text: p.text, sentAt: Date.now(), state: 'queued', index })
    const after = this.opts.deliverAfterMs
    if (after !== null && after !== undefined) {
      setTimeout(() => this.emit({ type: 'sent', friend: f.publicKey, upTo: index, ids: [id] }), after)
      setTimeout(() => this.emit({ type: 'receipt', friend: f.publicKey, upTo: index, ids: [id] }), after * 3)
    }
    return { id, seq: index, state: 'queued' }
  }
}
