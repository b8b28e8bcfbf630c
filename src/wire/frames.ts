/**
 * psst/1 frames. Every frame on the `psst/1` protomux channel is
 *
 *   [type: uint8][body: the type's codec below]
 *
 * The protocol version travels in `hello` (and the channel's handshake). Decoding is total:
 * malformed input gives null, an unknown type gives `{ type: 'unknown' }` so a newer peer's
 * additions are ignored instead of closing the connection.
 */
import {
  struct, boundedString, boundedArray, enumOf, frameTable, readUint, uintEnd, decodeUtf8Strict,
  uint, bool, fixed16, fixed4, optionalFixed32, withTail, retired, encodeTagged, type Codec
} from './codec.js'
import {
  MAX_MESSAGE_BYTES, MAX_NAME_BYTES, MAX_STATUS_MESSAGE_BYTES, MAX_REQUEST_MESSAGE_BYTES,
  MAX_RECEIPT_IDS, MAX_FRAME_BYTES, PROTOCOL_VERSION
} from './limits.js'

export const PRESENCE_VALUES = ['online', 'away', 'busy'] as const
// 'file': the body is a file offer (base64 of a versioned manifest, src/wire/files.ts).
export const KIND_VALUES = ['text', 'action', 'file'] as const
export type WirePresence = typeof PRESENCE_VALUES[number]
export type WireKind = typeof KIND_VALUES[number]

const name = boundedString(MAX_NAME_BYTES)
const statusMessage = boundedString(MAX_STATUS_MESSAGE_BYTES)
const presence = enumOf(PRESENCE_VALUES)

/**
 * A stream id: 16 random bytes its author picks when a friendship is (re)established (or when it
 * finds its own state rolled back), so both sides can tell one run of seq numbers from another
 * (docs/design.md, Delivery). All zeros is the stream every friendship had before stream ids
 * existed, and what a side that never heard of the other's stream holds.
 */
export const STREAM_ID_BYTES = 16
export const noStream = (): Buffer => Buffer.alloc(STREAM_ID_BYTES)

/**
 * hello: version | name | status | statusMessage | caps (retired, 0) | recvUpTo | mailbox?
 *        | stream | base | recvStream
 * The last three came with protocol version 2; a hello without them reads as the all-zero stream.
 */
export interface Hello {
  version: number
  name: string
  status: WirePresence
  statusMessage: string
  /** Highest contiguous seq this side has stored of `recvStream` (resumption, docs/design.md). */
  recvUpTo: number
  /** Relay key that keeps this side's mail while it is offline. */
  mailbox: Buffer | null
  /** The stream this side sends to the other on. */
  stream: Buffer
  /** Everything of `stream` up to here is acknowledged: the sender will not send it again. */
  base: number
  /** The other side's stream that `recvUpTo` counts (all zeros: none known). */
  recvStream: Buffer
}
type HelloStreams = Pick<Hello, 'stream' | 'base' | 'recvStream'>
/** The hello of protocol version 1: what a peer of that version reads (no stream fields after it). */
const helloV1 = struct<Hello>([
  ['version', uint], ['name', name], ['status', presence], ['statusMessage', statusMessage],
  ['caps' as keyof Hello & string, retired(uint, 0)], ['recvUpTo', uint], ['mailbox', optionalFixed32]
])
const hello: Codec<Hello> = withTail(
  helloV1,
  struct<HelloStreams>([['stream', fixed16], ['base', uint], ['recvStream', fixed16]]),
  () => ({ stream: noStream(), base: 0, recvStream: noStream() })
)

/** friendRequest: nospam(4) | message | name */
export interface FriendRequest { nospam: Buffer, message: string, name: string }
const friendRequest: Codec<FriendRequest> = struct<FriendRequest>([
  ['nospam', fixed4], ['message', boundedString(MAX_REQUEST_MESSAGE_BYTES)], ['name', name]
])

/** friendAccept: name */
export interface FriendAccept { name: string }
const friendAccept: Codec<FriendAccept> = struct<FriendAccept>([['name', name]])

/** friendDecline: (empty) */
export type FriendDecline = Record<string, never>
const empty: Codec<Record<string, never>> = struct<Record<string, never>>([])

/** presence: name | status | statusMessage */
export interface PresenceUpdate { name: string, status: WirePresence, statusMessage: string }
const presenceUpdate: Codec<PresenceUpdate> = struct<PresenceUpdate>([
  ['name', name], ['status', presence], ['statusMessage', statusMessage]
])

/** message: id(16) | seq | sentAt | kind | body (UTF-8 ≤ 64 KiB) */
export interface ChatMessage {
  id: Buffer
  seq: number
  sentAt: number
  kind: WireKind
  body: string
  /** The whole frame it was decoded from (set by the channel): stored as history without re-encoding. */
  wire?: Uint8Array
}
const chatMessage: Codec<ChatMessage> = struct<ChatMessage>([
  ['id', fixed16], ['seq', uint], ['sentAt', uint], ['kind', enumOf(KIND_VALUES)],
  ['body', boundedString(MAX_MESSAGE_BYTES)]
])

/**
 * receipt: upTo | ids (retired: always empty) | stream — the highest contiguous seq stored of
 * `stream` (the sender's stream as the receiver knows it). Without `stream`: the all-zero stream.
 */
export interface Receipt { upTo: number, stream: Buffer }
/** The receipt of protocol version 1 (no stream after it). */
const receiptV1 = struct<Receipt>([['upTo', uint], ['ids' as keyof Receipt & string, retired(boundedArray(fixed16, MAX_RECEIPT_IDS), [])]])
const receipt: Codec<Receipt> = withTail(
  receiptV1,
  struct<Pick<Receipt, 'stream'>>([['stream', fixed16]]),
  () => ({ stream: noStream() })
)

/** typing: bool */
export interface Typing { typing: boolean }
const typing: Codec<Typing> = struct<Typing>([['typing', bool]])

/** ping / pong: nonce — a heartbeat that notices a dead peer sooner than the transport does */
export interface Ping { nonce: number }
const ping: Codec<Ping> = struct<Ping>([['nonce', uint]])

export type Frame =
  | { type: 'hello' } & Hello
  | { type: 'friendRequest' } & FriendRequest
  | { type: 'friendAccept' } & FriendAccept
  | { type: 'friendDecline' }
  | { type: 'presence' } & PresenceUpdate
  | { type: 'message' } & ChatMessage
  | { type: 'receipt' } & Receipt
  | { type: 'typing' } & Typing
  | { type: 'ping' } & Ping
  | { type: 'pong' } & Ping

export type FrameType = Frame['type']
export type DecodedFrame = Frame | { type: 'unknown', code: number }

const TABLE: Array<[FrameType, Codec<any>]> = [
  ['hello', hello],
  ['friendRequest', friendRequest],
  ['friendAccept', friendAccept],
  ['friendDecline', empty],
  ['presence', presenceUpdate],
  ['message', chatMessage],
  ['receipt', receipt],
  ['typing', typing],
  ['ping', ping],
  ['pong', ping]
]
const FRAMES = frameTable<Frame>(TABLE, MAX_FRAME_BYTES)

/** The type byte of a message frame. */
export const MESSAGE_FRAME_CODE = TABLE.findIndex(([t]) => t === 'message') + 1
const HELLO_FRAME_CODE = TABLE.findIndex(([t]) => t === 'hello') + 1
const RECEIPT_FRAME_CODE = TABLE.findIndex(([t]) => t === 'receipt') + 1

/** The first protocol version whose hello and receipt carry stream ids. */
export const STREAMS_VERSION = 2

/**
 * Encodes a frame: one write, one frame on the secret stream. `peerVersion` is the version the
 * peer opened the channel with: a peer older than stream ids refuses a hello or receipt with
 * bytes after what it knows (its decoding is total too), so it gets them without the stream
 * fields; every other frame is the same in both versions.
 */
export function encodeFrame (frame: Frame, peerVersion: number = PROTOCOL_VERSION): Buffer {
  if (peerVersion < STREAMS_VERSION) {
    if (frame.type === 'hello') return encodeTagged(helloV1, HELLO_FRAME_CODE, frame)
    if (frame.type === 'receipt') return encodeTagged(receiptV1, RECEIPT_FRAME_CODE, frame)
  }
  return FRAMES.encode(frame)
}

/** Decodes a frame from a peer: null if malformed or too large, `unknown` for a type we do not know. */
export function decodeFrame (bytes: Uint8Array): DecodedFrame | null {
  if (bytes[0] === MESSAGE_FRAME_CODE && bytes.byteLength <= MAX_FRAME_BYTES) return decodeMessageFrame(bytes)
  return FRAMES.decode(bytes)
}

/** The frame table's generic reading of any frame: what decodeFrame must agree with (the fuzz test holds it to that). */
export function decodeFrameGeneric (bytes: Uint8Array): DecodedFrame | null {
  return FRAMES.decode(bytes)
}

/**
 * A message frame read by hand, one per message received: the generic codec's reading (same
 * bounds, strict UTF-8, no trailing bytes) without its decode state and per-field calls.
 */
function decodeMessageFrame (b: Uint8Array): DecodedFrame | null {
  const end = b.byteLength
  if (end < 17) return null
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  const seq = readUint(b, 17, end)
  if (seq < 0) return null
  const sentAt = readUint(b, uintEnd, end)
  if (sentAt < 0) return null
  let at = uintEnd
  if (at >= end || b[at] >= KIND_VALUES.length) return null
  const kind = KIND_VALUES[b[at++]]
  const len = readUint(b, at, end)
  if (len < 0 || len > MAX_MESSAGE_BYTES || end - uintEnd !== len) return null
  const body = decodeUtf8Strict(b.subarray(uintEnd, end))
  if (body === null) return null
  return { type: 'message', id: buf.subarray(1, 17), seq, sentAt, kind, body }
}

