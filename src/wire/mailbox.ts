/**
 * The mailbox protocol `psst-mailbox/2` (docs/relay.md), the sealed envelope it
 * carries, and the relay's storage records. Version 2 (issue 15) adds deposit capabilities: an
 * owner registers one key per friend (`caps`), and a deposit is accepted only on a connection made
 * with a key registered for that owner. Every node upgrades together: a /1 peer does not open a /2
 * channel. Same rules as frames.ts: every frame is
 *
 *   [type: uint8][body: the type's codec below]
 *
 * and decoding is total (null for malformed input, `unknown` for a type we do not know).
 * `rid` is a request id chosen by the client and echoed in the relay's answer.
 */
import c from 'compact-encoding'
import {
  struct, boundedArray, enumOf, decodeOrNull, encode, uint, bool, fixed16, fixed32,
  frameTable, type Codec, type State
} from './codec.js'
import { KIND_VALUES, noStream, type WireKind } from './frames.js'
import { MAX_MESSAGE_BYTES } from './limits.js'

export const MAILBOX_PROTOCOL = 'psst-mailbox/2'
export const MAILBOX_VERSION = 2
/** Version byte of the relay's records (unchanged since /1: old mail stays readable; the envelope has its own, ENVELOPE_VERSION). */
export const RECORD_VERSION = 1
/** A sealed envelope: a full message, its header and signature, plus crypto_box_seal's 48 bytes. */
export const MAX_ENVELOPE_BYTES = MAX_MESSAGE_BYTES + 1024
/** Envelopes per page, and the bytes a page may hold (the relay stops adding items before that). */
export const MAX_PAGE_ITEMS = 256
export const MAX_PAGE_BYTES = 1024 * 1024
/** Deposit capabilities one owner may register (one per friend). */
export const MAX_CAPS = 4096
/** Longest invite code the relay reads. */
export const MAX_INVITE_BYTES = 64
/** Ids one delete may name. */
export const MAX_DELETE_IDS = 1024
/** Largest mailbox frame accepted: a full page plus its headers. */
export const MAX_MAILBOX_FRAME_BYTES = MAX_PAGE_BYTES + MAX_ENVELOPE_BYTES + 64 * 1024

/**
 * What the relay answers: `ok`, or why it refused (each refusal is counted by the relay). A deposit
 * for an owner that is not registered and one made without that owner's capability both get
 * `refused`, so a deposit cannot probe who uses the relay. `not-admitted`: the operator's policy
 * (--owners) does not let this key register.
 */
export const MAILBOX_CODES = [
  'ok', 'refused', 'quota', 'rate-limited', 'too-large', 'disk-full', 'owners-full', 'bad-request', 'not-admitted', 'not-registered'
] as const
export type MailboxCode = typeof MAILBOX_CODES[number]

/** A byte string of at most `max` bytes; a longer announced length fails before allocating. */
function boundedBuffer (max: number): Codec<Buffer> {
  return {
    preencode (state, b) { c.buffer.preencode(state, b) },
    encode (state, b) { c.buffer.encode(state, b) },
    decode (state: State) {
      const len = c.uint.decode(state)
      if (len > max) throw new Error('buffer too long')
      if (state.end - state.start < len) throw new Error('out of bounds')
      const out = Buffer.from(state.buffer!.subarray(state.start, state.start + len))
      state.start += len
      return out
    }
  }
}
const envelope = boundedBuffer(MAX_ENVELOPE_BYTES)

/** unregister: rid — the owner is the connection's Noise key, nothing else is trusted */
export interface MailboxRequest { rid: number }
const request: Codec<MailboxRequest> = struct<MailboxRequest>([['rid', uint]])

/** register: rid | invite (empty = none; the operator's code when the relay admits by invite) */
export interface Register { rid: number, invite: Buffer }
const register: Codec<Register> = struct<Register>([['rid', uint], ['invite', boundedBuffer(MAX_INVITE_BYTES)]])

/**
 * caps: rid | keys(32)[] (≤ MAX_CAPS) — the owner's whole set of deposit capability keys, one per
 * friend; it replaces the set registered before (so a removed friend's key is revoked).
 */
export interface Caps { rid: number, keys: Buffer[] }
const caps: Codec<Caps> = struct<Caps>([['rid', uint], ['keys', boundedArray(fixed32, MAX_CAPS)]])

/** deposit: rid | owner(32) | envelope — accepted only on a connection whose key the owner registered */
export interface Deposit { rid: number, owner: Buffer, envelope: Buffer }
const deposit: Codec<Deposit> = struct<Deposit>([['rid', uint], ['owner', fixed32], ['envelope', envelope]])

/** fetch: rid | after (deposit id, exclusive) | limit (items) */
export interface Fetch { rid: number, after: number, limit: number }
const fetch: Codec<Fetch> = struct<Fetch>([['rid', uint], ['after', uint], ['limit', uint]])

/** delete: rid | ids[] (≤ MAX_DELETE_IDS) */
export interface Delete { rid: number, ids: number[] }
const del: Codec<Delete> = struct<Delete>([['rid', uint], ['ids', boundedArray(uint, MAX_DELETE_IDS)]])

/** answer: rid | code | value (held count after the request, or retry-after ms when rate-limited) */
export interface Answer { rid: number, code: MailboxCode, value: number }
const answer: Codec<Answer> = struct<Answer>([['rid', uint], ['code', enumOf(MAILBOX_CODES)], ['value', uint]])

/** page item: id | depositedAt | envelope */
export interface HeldItem { id: number, at: number, envelope: Buffer }
const heldItem: Codec<HeldItem> = struct<HeldItem>([['id', uint], ['at', uint], ['envelope', envelope]])

/** page: rid | items[] (≤ MAX_PAGE_ITEMS, deposit order) | more */
export interface Page { rid: number, items: HeldItem[], more: boolean }
const page: Codec<Page> = struct<Page>([['rid', uint], ['items', boundedArray(heldItem, MAX_PAGE_ITEMS)], ['more', bool]])

/** notify: held — sent to a registered owner's open sessions when mail arrives */
export interface Notify { held: number }
const notify: Codec<Notify> = struct<Notify>([['held', uint]])

export type MailboxFrame =
  | { type: 'register' } & Register
  | { type: 'unregister' } & MailboxRequest
  | { type: 'deposit' } & Deposit
  | { type: 'fetch' } & Fetch
  | { type: 'delete' } & Delete
  | { type: 'answer' } & Answer
  | { type: 'page' } & Page
  | { type: 'notify' } & Notify
  | { type: 'caps' } & Caps

export type MailboxFrameType = MailboxFrame['type']
export type DecodedMailboxFrame = MailboxFrame | { type: 'unknown', code: number }

const TABLE: Array<[MailboxFrameType, Codec<any>]> = [
  ['register', register],
  ['unregister', request],
  ['deposit', deposit],
  ['fetch', fetch],
  ['delete', del],
  ['answer', answer],
  ['page', page],
  ['notify', notify],
  ['caps', caps]
]
const FRAMES = frameTable<MailboxFrame>(TABLE, MAX_MAILBOX_FRAME_BYTES)

export function encodeMailboxFrame (frame: MailboxFrame): Buffer {
  return FRAMES.encode(frame)
}

export function decodeMailboxFrame (bytes: Uint8Array): DecodedMailboxFrame | null {
  return FRAMES.decode(bytes)
}

// --- the envelope (what the relay holds, sealed to the owner)

/**
 * The message inside: from(32) | stream(16) | id(16) | seq | sentAt | kind | body. `stream` is the
 * sender's stream the seq counts (docs/design.md, Delivery), so an envelope kept from an earlier
 * friendship is never taken for the current one. Version 1 had no stream: it reads as all zeros.
 */
export interface EnvelopeInner { from: Buffer, stream: Buffer, id: Buffer, seq: number, sentAt: number, kind: WireKind, body: string }
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const body: Codec<string> = {
  preencode (state, s) { c.string.preencode(state, s) },
  encode (state, s) { c.string.encode(state, s) },
  decode (state) {
    const len = c.uint.decode(state)
    if (len > MAX_MESSAGE_BYTES || state.end - state.start < len) throw new Error('bad body')
    const text = strictUtf8.decode(state.buffer!.subarray(state.start, state.start + len))
    state.start += len
    return text
  }
}
const tail: Array<[keyof EnvelopeInner & string, Codec<any>]> = [['id', fixed16], ['seq', uint], ['sentAt', uint], ['kind', enumOf(KIND_VALUES)], ['body', body]]
const innerV1: Codec<EnvelopeInner> = struct<EnvelopeInner>([['from', fixed32], ...tail])
const inner: Codec<EnvelopeInner> = struct<EnvelopeInner>([['from', fixed32], ['stream', fixed16], ...tail])

/** The version of the sealed plaintext written now (1: before stream ids). */
export const ENVELOPE_VERSION = 2

export function encodeInner (v: EnvelopeInner): Buffer { return encode(inner, v) }
export function decodeInner (b: Uint8Array, version = ENVELOPE_VERSION): EnvelopeInner | null {
  if (version === ENVELOPE_VERSION) return decodeOrNull(inner, b)
  const old = decodeOrNull(innerV1, b)
  return old === null ? null : { ...old, stream: noStream() }
}

/** Sealed plaintext: version(1) | signature(64) | inner. The signature covers the version's domain ‖ owner ‖ inner. */
export const SIGNED_DOMAIN = Buffer.from('psst/mailbox-envelope/v2\0', 'utf8')
const SIGNED_DOMAIN_V1 = Buffer.from('psst/mailbox-envelope/v1\0', 'utf8')
const SIGNATURE_BYTES = 64

export function encodeSigned (signature: Buffer, innerBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([ENVELOPE_VERSION]), signature, innerBytes])
}

export function decodeSigned (b: Uint8Array): { version: number, signature: Buffer, inner: Buffer } | null {
  if (!(b instanceof Uint8Array) || b.byteLength < 1 + SIGNATURE_BYTES + 1 || (b[0] !== ENVELOPE_VERSION && b[0] !== 1)) return null
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  return { version: b[0], signature: buf.subarray(1, 1 + SIGNATURE_BYTES), inner: buf.subarray(1 + SIGNATURE_BYTES) }
}

export function signedMessage (owner: Uint8Array, innerBytes: Uint8Array, version = ENVELOPE_VERSION): Buffer {
  return Buffer.concat([version === ENVELOPE_VERSION ? SIGNED_DOMAIN : SIGNED_DOMAIN_V1, owner, innerBytes])
}

// --- the relay's storage records: [version u8][record]

/** A held envelope (key: 'm' ‖ owner ‖ u64 id). */
export interface HeldRecord { at: number, envelope: Buffer }
/** The expiry index (key: 'x' ‖ u64 id): whose it is, when it came, how many bytes it counts for. */
export interface IndexRecord { owner: Buffer, at: number, size: number }
/** A registered owner (key: 'o' ‖ owner). */
export interface OwnerRecord { registeredAt: number, lastSeen: number }
/** The relay's key pair (profile sublevel, key 'relay-key'). */
export interface RelayKeyRecord { secretKey: Buffer }
/** A deposit capability (key: 'c' ‖ cap key): the owner it deposits for. */
export interface CapRecord { owner: Buffer }
/** An invite code not used yet (key: 'i' ‖ hash of the code). */
export interface InviteRecord { createdAt: number, expiresAt: number }

function versioned<T> (codec: Codec<T>): { encode: (v: T) => Buffer, decode: (b: Uint8Array) => T | null } {
  return {
    encode (v) { return Buffer.concat([Buffer.from([RECORD_VERSION]), encode(codec, v)]) },
    decode (b) {
      if (b.byteLength < 1 || b[0] !== RECORD_VERSION) return null
      return decodeOrNull(codec, b.subarray(1))
    }
  }
}

export const RelayRecords = {
  held: versioned(struct<HeldRecord>([['at', uint], ['envelope', envelope]])),
  index: versioned(struct<IndexRecord>([['owner', fixed32], ['at', uint], ['size', uint]])),
  owner: versioned(struct<OwnerRecord>([['registeredAt', uint], ['lastSeen', uint]])),
  relayKey: versioned(struct<RelayKeyRecord>([['secretKey', c.fixed64 as Codec<Buffer>]])),
  cap: versioned(struct<CapRecord>([['owner', fixed32]])),
  invite: versioned(struct<InviteRecord>([['createdAt', uint], ['expiresAt', uint]]))
}
