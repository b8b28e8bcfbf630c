import { MAX_RENAMES, type FriendRecord, type FriendState, type OutboxRecord, type Rename } from '../wire/records.js'
import type { WirePresence, ChatMessage } from '../wire/frames.js'
import type { FriendInfo } from '../wire/api.js'
import type { Link } from '../net/link.js'
import type { Dialable } from '../net/connections.js'
import { SendStream } from '../streams/send-stream.js'
import { ReceiveStream } from '../streams/receive-stream.js'
import { toHex } from '../crypto/identity.js'

/** The fields of a friend record the peer keeps itself; the streams keep their own marks. */
export type PeerFields = Omit<FriendRecord, 'lastSentSeq' | 'ackedUpTo' | 'recvUpTo' | 'sendStream' | 'recvStream'>

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

/** Where a peer's changes go: its owner queues the record for the next batch of the write queue. */
export interface PeerHost {
  persist (peer: Peer, defer: boolean): void
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
  readonly #host: PeerHost
  #rec: PeerFields
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

  constructor (rec: FriendRecord, host: PeerHost) {
    const { lastSentSeq, ackedUpTo, recvUpTo, sendStream, recvStream, ...fields } = rec
    this.#rec = { ...fields, alias: fields.alias ?? '', renames: fields.renames ?? [] }
    this.publicKey = rec.publicKey
    this.hex = toHex(rec.publicKey)
    this.#host = host
    this.out = new SendStream<OutboxRecord>({ id: sendStream, lastSeq: lastSentSeq, ackedUpTo })
    this.in = new ReceiveStream<HeldMessage>({ id: recvStream, upTo: recvUpTo })
  }

  get rec (): Readonly<PeerFields> { return this.#rec }
  get state (): FriendState { return this.#rec.state }
  get online (): boolean { return this.#online }
  /** False once the peer was removed: nothing of it is written any more. */
  get current (): boolean { return !this.#gone }
  /** The name to show when no better one is known. */
  get label (): string { return this.#rec.name || this.hex.slice(0, 12) }

  /** The record as stored. */
  toRecord (): FriendRecord {
    const out = this.out
    const inn = this.in
    return { ...this.#rec, lastSentSeq: out.lastSeq, ackedUpTo: out.ackedUpTo, sendStream: out.id, recvUpTo: inn.upTo, recvStream: inn.id }
  }

  #save (defer = false): void {
    if (!this.#gone) this.#host.persist(this, defer)
  }

  /** Saves the record as it is (after a failed batch, its rolled-back marks). */
  save (): void { this.#save() }

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

  /** A message of theirs I already hold (from a replaced stream) is counted, not stored. */
  skipIncoming (seq: number): void {
    this.in.take(seq)
    this.#save()
  }

  /** They acknowledged my messages up to `upTo`: returns the outbox ranges (first seqs) to delete. */
  acknowledged (upTo: number, each?: (rec: OutboxRecord) => void): number[] {
    const done = this.out.acknowledge(upTo, each)
    // Rides with the next batch: a receipt lost in a crash is asked for again.
    this.#save(true)
    return done
  }

  /** Their hello named a stream of theirs I did not know: counted from its base. */
  adoptTheirStream (id: Uint8Array, base: number): void {
    this.in.adopt(id, base)
    this.#save()
  }

  /** They know I stored more than my record says (mine was rolled back). */
  skipTheirGap (base: number): void {
    this.in.skipTo(base)
    this.#save()
  }

  /** They hold more of my stream than I ever sent (mine was rolled back): a new stream of mine. */
  restartMyStream (id: Buffer): void {
    this.out.restart(id)
    this.#save()
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
