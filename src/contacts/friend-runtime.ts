import type { FriendRecord, RequestRecord } from '../wire/records.js'
import { OutboxCache } from '../streams/outbox-cache.js'

/** Outbox entries kept in memory per friend for sending without a DB read. */
const OUTBOX_CACHE_LIMIT = 20_000
import type { FriendInfo, RequestInfo } from '../wire/api.js'
import type { Link } from '../net/link.js'
import { toHex } from '../crypto/identity.js'
import { PsstError } from '../errors.js'

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

export interface Named { hex: string, name: string }

/**
 * Finds one entry by full key, unique name (case-insensitive) or unique key prefix of at
 * least 8 hex characters (docs/design.md, Identity and IDs). Ambiguity is a usage error listing the candidates.
 */
export function resolveOne<T extends Named> (query: string, items: T[], what: string): T {
  const q = query.trim()
  const lower = q.toLowerCase()
  const exact = items.find((i) => i.hex === lower)
  if (exact) return exact
  const byName = items.filter((i) => i.name.toLowerCase() === lower)
  if (byName.length === 1) return byName[0]
  if (byName.length > 1) throw ambiguous(q, byName)
  if (/^[0-9a-f]{8,64}$/.test(lower)) {
    const byPrefix = items.filter((i) => i.hex.startsWith(lower))
    if (byPrefix.length === 1) return byPrefix[0]
    if (byPrefix.length > 1) throw ambiguous(q, byPrefix)
  }
  const hint = /^[0-9a-f]{1,7}$/i.test(q) ? ' (a key prefix needs at least 8 hex characters)' : ''
  throw new PsstError('NOT_FOUND', `no ${what} matches "${q}"${hint}`)
}

function ambiguous (q: string, items: Named[]): PsstError {
  const list = items.slice(0, 5).map((i) => `${i.name || '?'} (${i.hex.slice(0, 12)})`).join(', ')
  return new PsstError('AMBIGUOUS', `"${q}" matches ${items.length}: ${list}; use a longer key prefix`)
}
