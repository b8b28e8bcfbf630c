/**
 * Storage records (LevelDB values). Each value is [version: uint8][record], so a later
 * version can read what an earlier one wrote. Same codec rules as the wire: decoding is total.
 */
import c from 'compact-encoding'
import {
  struct, boundedString, boundedArray, enumOf, decodeOrNull, encode, encodeTagged, uintBytes, writeUint, uint, bool, fixed16, fixed4, fixed32,
  optionalFixed32, withTail, type Codec
} from './codec.js'
import { PRESENCE_VALUES, KIND_VALUES, MESSAGE_FRAME_CODE, noStream, type WirePresence, type WireKind } from './frames.js'
import { MAX_MESSAGE_BYTES, MAX_NAME_BYTES, MAX_STATUS_MESSAGE_BYTES, MAX_REQUEST_MESSAGE_BYTES } from './limits.js'

const name = boundedString(MAX_NAME_BYTES)
const statusMessage = boundedString(MAX_STATUS_MESSAGE_BYTES)
const requestText = boundedString(MAX_REQUEST_MESSAGE_BYTES)
const secretKey: Codec<Buffer> = c.fixed64 as Codec<Buffer>

/** The profile: who I am. The secret key lives here, encrypted when the profile has a passphrase. */
export interface ProfileRecord {
  publicKey: Buffer
  secretKey: Buffer
  name: string
  nospam: Buffer
  status: WirePresence
  statusMessage: string
  mailbox: Buffer | null
  createdAt: number
}
const profile = struct<ProfileRecord>([
  ['publicKey', fixed32], ['secretKey', secretKey], ['name', name], ['nospam', fixed4],
  ['status', enumOf(PRESENCE_VALUES)], ['statusMessage', statusMessage], ['mailbox', optionalFixed32],
  ['createdAt', uint]
])

/**
 * `key-added`: I added their public key (no request, as Tox's add-by-key); they become a friend
 * once they added mine too. New states go at the end: old records keep their numbers.
 */
export const FRIEND_STATES = ['request-sent', 'friends', 'key-added'] as const
export type FriendState = typeof FRIEND_STATES[number]

/**
 * A friend, or someone we sent a request to (version 4). The chat streams' marks (seqs, stream
 * ids) are the streams' own records (StreamRecord); versions 1–3 held them here and are migrated
 * when the profile is opened (src/contacts/messenger.ts, load).
 */
export interface FriendRecord {
  publicKey: Buffer
  state: FriendState
  name: string
  status: WirePresence
  statusMessage: string
  lastSeen: number
  addedAt: number
  /** The request we keep retrying while state is request-sent. */
  requestNospam: Buffer
  requestMessage: string
  /** Next local history index (my and their messages interleaved as seen here). */
  nextIndex: number
  unread: number
  mailbox: Buffer | null
  /**
   * Idempotent send (as Matrix's transaction ids): the last client session that sent with
   * transaction numbers, the highest number stored, and the seq it got. A client that lost
   * its daemon mid-batch resends; numbers already stored are skipped.
   */
  txnSession: string
  txnUpTo: number
  txnSeq: number
  /** The name I chose for them (version 3); '' when none. Shown and matched before theirs. */
  alias?: string
  /** Their last name changes, oldest first (version 3): history shows "bob is now known as bobby". */
  renames?: Rename[]
}
/** What friend records of versions 1–3 held of the two chat streams: read once, to migrate it. */
export interface LegacyStreamMarks {
  /** Seq of the last message I queued to them. */
  lastSentSeq: number
  /** Highest seq of mine they have acknowledged. */
  ackedUpTo: number
  /** Highest contiguous seq of theirs I have stored. */
  recvUpTo: number
  /** My stream to them (version 2; all zeros before). */
  sendStream: Buffer
  /** Their stream to me that recvUpTo counts (version 2; all zeros before). */
  recvStream: Buffer
}
/** A friend record as read: an old version also brings its stream marks. */
export type StoredFriend = FriendRecord & Partial<LegacyStreamMarks>
export interface Rename { at: number, from: string, to: string }
/** Renames kept per friend: enough to explain a recent history, bounded like every record. */
export const MAX_RENAMES = 8
const rename = struct<Rename>([['at', uint], ['from', name], ['to', name]])
type Old = FriendRecord & LegacyStreamMarks
const friendV1Fields: Array<[keyof Old & string, Codec<any>]> = [
  ['publicKey', fixed32], ['state', enumOf(FRIEND_STATES)], ['name', name],
  ['status', enumOf(PRESENCE_VALUES)], ['statusMessage', statusMessage], ['lastSeen', uint],
  ['addedAt', uint], ['requestNospam', fixed4], ['requestMessage', requestText],
  ['lastSentSeq', uint], ['ackedUpTo', uint], ['recvUpTo', uint], ['nextIndex', uint],
  ['unread', uint], ['mailbox', optionalFixed32],
  ['txnSession', boundedString(64)], ['txnUpTo', uint], ['txnSeq', uint]
]
/** Version 1 had no stream ids: it reads as the all-zero stream both ways, which is what the peer's old record holds too. */
const friendV1 = struct<Old>(friendV1Fields)
const friendV2Fields: Array<[keyof Old & string, Codec<any>]> = [...friendV1Fields, ['sendStream', fixed16], ['recvStream', fixed16]]
const friendV2 = struct<Old>(friendV2Fields)
const namesFields: Array<[keyof Old & string, Codec<any>]> = [['alias', name], ['renames', boundedArray(rename, MAX_RENAMES)]]
/** Version 3 added alias and renames; versions 1 and 2 read as having neither. */
const friendV3 = struct<Old>([...friendV2Fields, ...namesFields])
const LEGACY_FIELDS = new Set(['lastSentSeq', 'ackedUpTo', 'recvUpTo', 'sendStream', 'recvStream'])
/** Version 4: version 3 without the stream marks. */
const friend = struct<FriendRecord>([...friendV1Fields.filter(([f]) => !LEGACY_FIELDS.has(f)), ...namesFields] as Array<[keyof FriendRecord & string, Codec<any>]>)
const FRIEND_VERSION = 4

/**
 * A durable stream's marks (docs/design.md, Delivery): the stream of `author` in `conversation`
 * (1:1 chat: the friend's key; the author is me or them), with the id both sides agree on.
 * `upTo` is the highest contiguous seq this side holds of it (its author: has queued; a reader:
 * has stored); `ackedUpTo` is what the readers acknowledged (the author's record only, else 0).
 */
export interface StreamRecord {
  conversation: Buffer
  author: Buffer
  id: Buffer
  upTo: number
  ackedUpTo: number
}
const stream = struct<StreamRecord>([
  ['conversation', fixed32], ['author', fixed32], ['id', fixed16], ['upTo', uint], ['ackedUpTo', uint]
])

/** An incoming friend request waiting for accept/decline. */
export interface RequestRecord { publicKey: Buffer, name: string, message: string, receivedAt: number }
const request = struct<RequestRecord>([
  ['publicKey', fixed32], ['name', name], ['message', requestText], ['receivedAt', uint]
])

/** A key we refuse, or a request we declined (kept so it is not prompted again). */
/** `name` (version 2) is the name it had when blocked, so `unblock dave` works where `block dave` did. */
export interface BlockRecord { publicKey: Buffer, declinedOnly: boolean, at: number, name?: string }
const BLOCK_V1_FIELDS: Array<[keyof BlockRecord & string, Codec<any>]> = [['publicKey', fixed32], ['declinedOnly', bool], ['at', uint]]
const blockV1 = struct<BlockRecord>(BLOCK_V1_FIELDS)
const block = struct<BlockRecord>([...BLOCK_V1_FIELDS, ['name', name]])

/**
 * The daemon's network settings, kept with the profile so a daemon started later by any command
 * joins the same network. '' means the default (hyperdht's public bootstrap nodes, the bind
 * address chosen from the bootstrap list). Later settings (LAN, relay) come as a new version.
 */
export interface SettingsRecord {
  bootstrap: string
  dhtHost: string
  lan: boolean
  /**
   * The per-friend history caps: 0 is the default, HISTORY_CAP_OFF no cap (docs/reliability.md,
   * History caps). Settings written before them read as both defaults.
   */
  historyMaxBytes: number
  historyMaxMessages: number
}
export const HISTORY_CAP_OFF = Number.MAX_SAFE_INTEGER
/** `lan` came later, at the end: settings written before it read as LAN discovery on; then the caps. */
const settings: Codec<SettingsRecord> = withTail(
  withTail(
    struct<{ bootstrap: string, dhtHost: string }>([['bootstrap', boundedString(4096)], ['dhtHost', boundedString(255)]]),
    struct<{ lan: boolean }>([['lan', bool]]),
    () => ({ lan: true })),
  struct<{ historyMaxBytes: number, historyMaxMessages: number }>([['historyMaxBytes', uint], ['historyMaxMessages', uint]]),
  () => ({ historyMaxBytes: 0, historyMaxMessages: 0 }))

/**
 * The dedupe window of a replaced stream of theirs (src/chat/resync.ts), kept so a restart inside
 * it still recognises a resend: the new stream's id and the count I had of the old one.
 */
export interface DedupeRecord { friend: Buffer, stream: Buffer, upTo: number }
const dedupe = struct<DedupeRecord>([['friend', fixed32], ['stream', fixed16], ['upTo', uint]])

/** One history line: mine (`out`) or theirs (`in`). */
export interface MessageRecord {
  outgoing: boolean
  id: Buffer
  seq: number
  sentAt: number
  kind: WireKind
  body: string
}
const message = struct<MessageRecord>([
  ['outgoing', bool], ['id', fixed16], ['seq', uint], ['sentAt', uint],
  ['kind', enumOf(KIND_VALUES)], ['body', boundedString(MAX_MESSAGE_BYTES)]
])

/** A message of mine not yet acknowledged, and where it sits in history (in memory; on disk the outbox keeps only `index`). */
export interface OutboxRecord {
  id: Buffer
  seq: number
  sentAt: number
  kind: WireKind
  body: string
  index: number
  /** Its message frame, when built at send time from the history record's bytes. */
  frame?: Buffer
}

const VERSION = 1

function versioned<T> (codec: Codec<T>): { encode: (v: T) => Buffer, decode: (b: Uint8Array) => T | null } {
  return {
    encode (v) { return encodeTagged(codec, VERSION, v) },
    decode (b) {
      if (b.byteLength < 1 || b[0] !== VERSION) return null
      return decodeOrNull(codec, b.subarray(1))
    }
  }
}

/*
 * A message's history record and its wire frame share every byte after their heads:
 *   record = [VERSION][outgoing] ‖ tail      frame = [MESSAGE_FRAME_CODE] ‖ tail
 * so each side turns one into the other by copying instead of encoding the body twice
 * (test/unit/wire-records.test.ts holds the two codecs to that).
 */

/** The history record of a message frame received (or built) as bytes. */
export function messageRecordFromFrame (frame: Uint8Array, outgoing: boolean): Buffer {
  const out = Buffer.allocUnsafe(frame.byteLength + 1)
  out[0] = VERSION
  out[1] = outgoing ? 1 : 0
  out.set(frame.subarray(1), 2)
  return out
}

/** The wire frame of a message from its history record's bytes. */
export function messageFrameFromRecord (record: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(record.byteLength - 1)
  out[0] = MESSAGE_FRAME_CODE
  out.set(record.subarray(2), 1)
  return out
}

/** First byte of a history segment (a single record starts with VERSION). */
export const SEGMENT_TAG = 2
const SEGMENT_HEAD = 5

/**
 * History records at consecutive indices stored as one LevelDB value, so a burst costs one
 * entry per batch instead of one per message (measured: 2.1–2.8 µs a message for per-message
 * entries against 0.35–0.7 in segments, LevelDB's own threads included):
 *   [SEGMENT_TAG][u32 count] then count × ([u32 length][record])
 * A lone record is stored as itself, which is also how every message was stored before.
 */
export function encodeSegment (records: Uint8Array[]): Buffer {
  if (records.length === 1) return Buffer.from(records[0].buffer, records[0].byteOffset, records[0].byteLength)
  let size = SEGMENT_HEAD
  for (const r of records) size += 4 + r.byteLength
  const out = Buffer.allocUnsafe(size)
  out[0] = SEGMENT_TAG
  out.writeUInt32BE(records.length, 1)
  let at = SEGMENT_HEAD
  for (const r of records) {
    out.writeUInt32BE(r.byteLength, at)
    out.set(r, at + 4)
    at += 4 + r.byteLength
  }
  return out
}

/** The records of a stored history value, in index order; null when the bytes do not parse. */
export function decodeSegment (value: Uint8Array): Uint8Array[] | null {
  if (value.byteLength === 0) return null
  if (value[0] === VERSION) return [value]
  if (value[0] !== SEGMENT_TAG || value.byteLength < SEGMENT_HEAD) return null
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const count = view.getUint32(1)
  if (count < 2 || count > (value.byteLength - SEGMENT_HEAD) / 4) return null
  const out: Uint8Array[] = []
  let at = SEGMENT_HEAD
  for (let i = 0; i < count; i++) {
    if (at + 4 > value.byteLength) return null
    const len = view.getUint32(at)
    at += 4
    if (len === 0 || at + len > value.byteLength) return null
    out.push(value.subarray(at, at + len))
    at += len
  }
  return at === value.byteLength ? out : null
}

/**
 * The message record written by hand: the same bytes as the `message` struct (the frame test
 * compares them with the generic codec), in one pass with one allocation. Every message sent
 * or received is encoded once; the generic codec took a sixth of a burst's CPU.
 */
function encodeMessageRecord (r: MessageRecord): Buffer {
  if (!Number.isSafeInteger(r.seq) || r.seq < 0 || !Number.isSafeInteger(r.sentAt) || r.sentAt < 0 || r.id.byteLength !== 16) {
    throw new Error('invalid message record')
  }
  const kind = KIND_VALUES.indexOf(r.kind)
  if (kind < 0) throw new Error('bad enum')
  const bodyBytes = Buffer.byteLength(r.body, 'utf8')
  if (bodyBytes > MAX_MESSAGE_BYTES) throw new Error('string too long')
  const out = Buffer.allocUnsafe(2 + 16 + uintBytes(r.seq) + uintBytes(r.sentAt) + 1 + uintBytes(bodyBytes) + bodyBytes)
  out[0] = VERSION
  out[1] = r.outgoing ? 1 : 0
  out.set(r.id, 2)
  let at = writeUint(out, 18, r.seq)
  at = writeUint(out, at, r.sentAt)
  out[at++] = kind
  at = writeUint(out, at, bodyBytes)
  out.write(r.body, at, bodyBytes, 'utf8')
  return out
}

const friendRecord = {
  encode (v: FriendRecord): Buffer { return encodeTagged(friend, FRIEND_VERSION, { ...v, alias: v.alias ?? '', renames: v.renames ?? [] }) },
  decode (b: Uint8Array): StoredFriend | null {
    if (b.byteLength < 1) return null
    if (b[0] === FRIEND_VERSION) return decodeOrNull(friend, b.subarray(1))
    if (b[0] === 3) return decodeOrNull(friendV3, b.subarray(1))
    const noNames = { alias: '', renames: [] }
    if (b[0] === 2) {
      const v2 = decodeOrNull(friendV2, b.subarray(1))
      return v2 === null ? null : { ...v2, ...noNames }
    }
    if (b[0] !== VERSION) return null
    const old = decodeOrNull(friendV1, b.subarray(1))
    return old === null ? null : { ...old, sendStream: noStream(), recvStream: noStream(), ...noNames }
  },
  /** Version 2 bytes (before aliases), for the test that such a profile still opens. */
  encodeV2 (v: FriendRecord & LegacyStreamMarks): Buffer { return encodeTagged(friendV2, 2, v) },
  /** Version 3 bytes (before the streams' own records), for the test that such a profile migrates. */
  encodeV3 (v: FriendRecord & LegacyStreamMarks): Buffer { return encodeTagged(friendV3, 3, { ...v, alias: v.alias ?? '', renames: v.renames ?? [] }) }
}

/** A record type at version 2 whose version 1 still reads (`fill` gives the new fields their defaults). */
function upgraded<T> (v1: Codec<T>, v2: Codec<T>, complete: (v: T) => T, fill: (old: T) => T): { encode: (v: T) => Buffer, decode: (b: Uint8Array) => T | null } {
  return {
    encode (v) { return encodeTagged(v2, 2, complete(v)) },
    decode (b) {
      if (b.byteLength < 1) return null
      if (b[0] === 2) return decodeOrNull(v2, b.subarray(1))
      if (b[0] !== VERSION) return null
      const old = decodeOrNull(v1, b.subarray(1))
      return old === null ? null : fill(old)
    }
  }
}

export const Records = {
  profile: versioned(profile),
  friend: friendRecord,
  request: versioned(request),
  block: upgraded(blockV1, block, (v) => ({ ...v, name: v.name ?? '' }), (old) => ({ ...old, name: '' })),
  settings: versioned(settings),
  stream: versioned(stream),
  message: { encode: encodeMessageRecord, decode: versioned(message).decode },
  dedupe: versioned(dedupe)
}

/**
 * The profile header file, read before the database is opened so a wrong passphrase
 * changes nothing on disk: encrypted | salt(16) | opslimit | memlimit | verifier.
 */
export interface HeaderRecord {
  encrypted: boolean
  salt: Buffer
  opslimit: number
  memlimit: number
  /** AEAD of a fixed string under the derived key: proves the passphrase without opening the DB. */
  verifier: Buffer
}
const header = struct<HeaderRecord>([
  ['encrypted', bool], ['salt', fixed16], ['opslimit', uint], ['memlimit', uint], ['verifier', c.buffer as Codec<Buffer>]
])
const HEADER_MAGIC = Buffer.from('PSST')

export const HeaderFile = {
  encode (h: HeaderRecord): Buffer {
    return Buffer.concat([HEADER_MAGIC, Buffer.from([VERSION]), encode(header, h)])
  },
  decode (b: Uint8Array): HeaderRecord | null {
    if (b.byteLength < 5 || !HEADER_MAGIC.equals(b.subarray(0, 4)) || b[4] !== VERSION) return null
    return decodeOrNull(header, b.subarray(5))
  }
}
