import type { FriendRecord, RequestRecord } from '../wire/records.js'
import { OutboxCache } from '../streams/outbox-cache.js'

/** Outbox entries kept in memory per friend for sending without a DB read. */
const OUTBOX_CACHE_LIMIT = 20_000
import type { FriendInfo, RequestInfo } from '../wire/api.js'
import type { Link } from '../net/link.js'
import { toHex } from '../crypto/identity.js'

/** What the daemon keeps in memory for one friend (or one key we sent a request to). */
export interface FriendRuntime {
  rec: FriendRecord
  hex: string
  link: Link | null
  online: boolean
  dialing: boolean
  dialAttempts: number
  dialTimer: NodeJS.Timeout | null
  /** Highest seq written to the current link (reset on every new link). */
  sentUpTo: number
  /** Highest seq of mine whose outbox entry is on disk (sending before that is forbidden). */
  persistedSeq: number
  /** Highest contiguous seq of theirs on disk: what hello and receipts may claim. */
  recvStored: number
  pumping: boolean
  repump: boolean
  /** The pending delayed receipt (sent early if a message of mine goes first: it rides along). */
  ackTimer: NodeJS.Timeout | null
  outboxCache: OutboxCache
  /** The outbox entries on disk (first seq, count), in seq order: what a receipt deletes. */
  outboxRanges: Array<{ seq: number, count: number }>
  waiters: Array<{ seq: number, resolve: (delivered: boolean) => void }>
  typingTimer: NodeJS.Timeout | null
}

export function newRuntime (rec: FriendRecord): FriendRuntime {
  return {
    rec,
    hex: toHex(rec.publicKey),
    link: null,
    online: false,
    dialing: false,
    dialAttempts: 0,
    dialTimer: null,
    sentUpTo: rec.ackedUpTo,
    persistedSeq: rec.lastSentSeq,
    recvStored: rec.recvUpTo,
    pumping: false,
    repump: false,
    ackTimer: null,
    outboxCache: new OutboxCache(OUTBOX_CACHE_LIMIT),
    outboxRanges: [],
    waiters: [],
    typingTimer: null
  }
}

export function friendInfo (rt: FriendRuntime): FriendInfo {
  const r = rt.rec
  return {
    publicKey: rt.hex,
    state: r.state,
    name: r.name,
    alias: r.alias ?? '',
    renames: r.renames ?? [],
    online: rt.online,
    status: r.status,
    statusMessage: r.statusMessage,
    lastSeen: rt.online ? Date.now() : r.lastSeen,
    unread: r.unread,
    mailbox: r.mailbox === null ? null : toHex(r.mailbox)
  }
}

export function requestInfo (r: RequestRecord): RequestInfo {
  return { publicKey: toHex(r.publicKey), name: r.name, message: r.message, receivedAt: r.receivedAt }
}
