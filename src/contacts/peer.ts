import { MAX_RENAMES, type FriendRecord, type FriendState, type OutboxRecord, type Rename, type StreamRecord } from '../wire/records.js'
import type { StoreOp as Op } from '../storage/profile-store.js'
import type { WirePresence, ChatMessage } from '../wire/frames.js'
import type { FriendInfo } from '../wire/api.js'
import type { Link } from '../net/link.js'
import type { Dialable } from '../net/connections.js'
import { SendStream, type SendMarks } from '../streams/send-stream.js'
import { ReceiveStream, type ReceiveMarks } from '../streams/receive-stream.js'
import { toHex } from '../crypto/identity.js'

/** A peer's two chat streams as loaded (or made new). */
export interface PeerStreams { out: SendMarks, in: ReceiveMarks }

/** The fields that order messages: what a failed write must not leave ahead of the disk (disk-guard.ts). */
export interface PeerMarks {
  recvUpTo: number
  lastSentSeq: number
  nextIndex: number
  unread: number
  txnSession: string
  txnUpTo: number
  txnSeq: number
}

/** A message received in a chat stream, as the dedupe of a replaced stream holds it. */
export interface HeldMessage { link: Link, msg: ChatMessage }

/** Where a peer's changes go: the write queue, through its registry (messenger.ts). */
export interface PeerHost {
  /** My public key: the author of my streams. */
  readonly localKey: Buffer
  /** A function that queues one record of `peer` under `key`; `encode` gives its op when the batch is made. */
  saver (peer: Peer, key: string, encode: () => Op): (defer: boolean) => void
  friendOp (rec: FriendRecord): Op
  streamOp (rec: StreamRecord): Op
}

/** What a transaction-numbered send asks for (idempotent send, see FriendRecord.txnSession). */
export interface TxnMark { session: string, upTo: number }

/**
 * One peer (a friend, or a key I asked to be friends with): its record, its two chat streams
 * (mine to them, theirs to me), its link and timers. Every change goes through a method here,
 * and each method that changes what is on disk asks its host to persist the record through the
 * write queue, so nothing is changed without being saved and nothing is saved that was not
 * changed by its owner (docs/design.md, Layout). Dialling state (link, dialing, backoff) is
 * the connections module's, by the Dialable contract.
 */
export class Peer implements Dialable {
  readonly hex: string
  readonly publicKey: Buffer
  readonly #saveRecord: (defer: boolean) => void
  #rec: FriendRecord
  /** My chat stream to them. */
  readonly out: SendStream<OutboxRecord>
  /** Their chat stream to me. */
  readonly in: ReceiveStream<HeldMessage>
  link: Link | null = null
  dialing = false
  dialAttempts = 0
  dialTimer: NodeJS.Timeout | null = null
  #online = false
  #typingTimer: NodeJS.Timeout | null = null
  #gone = false

  constructor (rec: FriendRecord, streams: PeerStreams, host: PeerHost) {
    this.#rec = {
      publicKey: rec.publicKey, state: rec.state, name: rec.name, status: rec.status, statusMessage: rec.statusMessage,
      lastSeen: rec.lastSeen, addedAt: rec.addedAt, requestNospam: rec.requestNospam, requestMessage: rec.requestMessage,
      nextIndex: rec.nextIndex, unread: rec.unread, mailbox: rec.mailbox, txnSession: rec.txnSession, txnUpTo: rec.txnUpTo,
      txnSeq: rec.txnSeq, alias: rec.alias ?? '', renames: rec.renames ?? []
    }
    this.publicKey = rec.publicKey
    this.hex = toHex(rec.publicKey)
    const me = host.localKey
    const conversation = rec.publicKey
    this.#saveRecord = host.saver(this, this.hex, () => host.friendOp(this.#rec))
    // The chat's two streams (docs/design.md, Delivery): mine to them, and theirs to me.
    this.out = new SendStream<OutboxRecord>(streams.out, host.saver(this, `${this.hex}/out`, () => {
      const s = this.out
      return host.streamOp({ conversation, author: me, id: s.id, upTo: s.lastSeq, ackedUpTo: s.ackedUpTo })
    }))
    this.in = new ReceiveStream<HeldMessage>(streams.in, host.saver(this, `${this.hex}/in`, () => {
      const s = this.in
      return host.streamOp({ conversation, author: conversation, id: s.id, upTo: s.upTo, ackedUpTo: 0 })
    }))
  }

  get rec (): Readonly<FriendRecord> { return this.#rec }
  get state (): FriendState { return this.#rec.state }
  get online (): boolean { return this.#online }
  /** False once the peer was removed: nothing of it is written any more. */
  get current (): boolean { return !this.#gone }
  /** The name to show when no better one is known. */
  get label (): string { return this.#rec.name || this.hex.slice(0, 12) }

  #save (defer = false): void {
    if (!this.#gone) this.#saveRecord(defer)
  }

  /** Saves the record and its streams as they are (a new peer, a migrated one, marks rolled back). */
  save (): void {
    this.#save()
    this.out.save()
    this.in.save()
  }

  info (): FriendInfo {
    const r = this.#rec
    return {
      publicKey: this.hex,
      state: r.state,
      name: r.name,
      alias: r.alias ?? '',
      renames: r.renames ?? [],
      online: this.#online,
      status: r.status,
      statusMessage: r.statusMessage,
      lastSeen: this.#online ? Date.now() : r.lastSeen,
      unread: r.unread,
      mailbox: r.mailbox === null ? null : toHex(r.mailbox)
    }
  }

  // --- friendship

  /** The other side accepted, asked too, or said hello to a key I added. */
  becomeFriend (name: string): void {
    this.#rec.state = 'friends'
    this.#rec.name = name
    this.#save()
  }

  /** A request (again) with their full ID: it is retried until answered. */
  askAgain (nospam: Buffer, message: string): void {
    this.#rec.state = 'request-sent'
    this.#rec.requestNospam = nospam
    this.#rec.requestMessage = message
    this.dialAttempts = 0
    this.#save()
  }

  setAlias (alias: string): void {
    this.#rec.alias = alias
    this.#save()
  }

  /** The peer is forgotten (removed, blocked, declined me): timers stop, waiters are told no, the link goes. */
  forget (): void {
    this.#gone = true
    this.close()
  }

  /** The daemon stops. */
  close (): void {
    if (this.dialTimer) clearTimeout(this.dialTimer)
    this.dialTimer = null
    if (this.#typingTimer) clearTimeout(this.#typingTimer)
    this.#typingTimer = null
    this.out.close()
    this.link?.destroy()
  }

  // --- presence

  /** Their hello or presence: name, status; a name change is kept (bounded) and returned. */
  applyPresence (p: { name: string, status: WirePresence, statusMessage: string }, now: number): Rename | null {
    const from = this.#rec.name
    let rename: Rename | null = null
    if (from !== p.name && from !== '' && this.#rec.state === 'friends') {
      rename = { at: now, from, to: p.name }
      this.#rec.renames = [...(this.#rec.renames ?? []), rename].slice(-MAX_RENAMES)
    }
    this.#rec.name = p.name
    this.#rec.status = p.status
    this.#rec.statusMessage = p.statusMessage
    this.#save()
    return rename
  }

  /** The relay that keeps their mail while they are offline (a copy: hello fields are views). */
  setMailbox (key: Uint8Array | null): void {
    this.#rec.mailbox = key === null ? null : Buffer.from(key)
    this.#save()
  }

  /** Their first hello on a link: true when they were offline before. */
  cameOnline (now: number): boolean {
    const was = this.#online
    this.#online = true
    this.dialAttempts = 0
    this.#rec.lastSeen = now
    this.out.relinked()
    this.#save()
    return !was
  }

  /** The link went: true when they were online (the caller tells the clients). */
  wentOffline (now: number): boolean {
    this.out.relinked()
    if (!this.#online) return false
    this.#online = false
    this.#rec.lastSeen = now
    this.#save()
    return true
  }

  /** A typing indicator that ends by itself after `ttlMs` unless refreshed. */
  typing (on: boolean, ttlMs: number, ended: () => void): void {
    if (this.#typingTimer) clearTimeout(this.#typingTimer)
    this.#typingTimer = null
    if (!on) return
    this.#typingTimer = setTimeout(() => { this.#typingTimer = null; ended() }, ttlMs)
    this.#typingTimer.unref()
  }

  markRead (): boolean {
    if (this.#rec.unread === 0) return false
    this.#rec.unread = 0
    this.#save()
    return true
  }

  // --- the chat streams

  /**
   * `count` messages of mine are queued: returns the first seq and history index they take (both
   * consecutive). With `txn`, the transaction numbers they stored (idempotent send).
   */
  queueOutgoing (count: number, txn?: TxnMark): { seq: number, index: number } {
    const seq = this.out.reserve(count)
    const index = this.#rec.nextIndex
    this.#rec.nextIndex += count
    if (txn !== undefined) {
      this.#rec.txnSession = txn.session
      this.#rec.txnUpTo = txn.upTo
      this.#rec.txnSeq = this.out.lastSeq
    }
    this.#save()
    return { seq, index }
  }

  /** The next message of theirs (judged 'store') is taken: returns its history index. */
  takeIncoming (seq: number): number {
    this.in.take(seq)
    const index = this.#rec.nextIndex++
    this.#rec.unread++
    this.#save()
    return index
  }

  /**
   * A message another device carried (mine, or theirs: src/devices) is written into this history:
   * it takes a history index, outside both streams.
   */
  takeCopy (incoming: boolean): number {
    const index = this.#rec.nextIndex++
    if (incoming) this.#rec.unread++
    this.#save()
    return index
  }

  // --- the disk guard

  marks (): PeerMarks {
    const r = this.#rec
    return { recvUpTo: this.in.upTo, lastSentSeq: this.out.lastSeq, nextIndex: r.nextIndex, unread: r.unread, txnSession: r.txnSession, txnUpTo: r.txnUpTo, txnSeq: r.txnSeq }
  }

  /** A batch failed: every mark that ran ahead of the disk goes back to `saved`, and that is saved. */
  rollBack (saved: PeerMarks): void {
    const r = this.#rec
    r.nextIndex = saved.nextIndex
    r.unread = saved.unread
    r.txnSession = saved.txnSession
    r.txnUpTo = saved.txnUpTo
    r.txnSeq = saved.txnSeq
    this.in.rollBack(saved.recvUpTo)
    this.out.rollBack(saved.lastSentSeq)
  }
}
