/**
 * Group chat formats (docs/groups.md): the signed entry every member's log holds, the control
 * operations inside membership entries, the record each profile keeps per group, and the
 * `psst-group/1` gossip frames. All compact-encoding, each starting with a version or type byte.
 */
import c from 'compact-encoding'
import {
  bool, boundedArray, boundedString, buffer, decodeOrNull, encodeTagged, enumOf, fixed32, frameTable, optionalFixed32, struct, uint, type Codec
} from '../wire/codec.js'

export const GROUP_PROTOCOL = 'psst-group/1'
export const GROUP_PROTOCOL_VERSION = 1
export const ENTRY_VERSION = 1
export const RECORD_VERSION = 1

/** An entry above this is dropped and counted: a rotation sealed to 128 members fits (~11 KiB). */
export const MAX_ENTRY_BYTES = 32 * 1024
export const MAX_TEXT_BYTES = 4096
export const MAX_GROUP_NAME_BYTES = 64
export const MAX_TOPIC_BYTES = 512
/** Members a group may hold (the issue asks for at least 100). */
export const MAX_MEMBERS = 128
/** Causal dependencies an entry names: the newest heads its author had seen. */
export const MAX_DEPS = 32
export const MAX_ENTRIES_PER_FRAME = 64
export const MAX_GROUP_FRAME_BYTES = 512 * 1024
export const SIGNATURE_BYTES = 64

export type EntryKind = 'text' | 'action' | 'control'
export const ENTRY_KINDS: readonly EntryKind[] = ['text', 'action', 'control']
export type Role = 'founder' | 'moderator' | 'member'
export const ROLES: readonly Role[] = ['founder', 'moderator', 'member']

/** A causal dependency: an entry of `author` at `seq`, pinned by its hash. */
export interface Dep { author: Buffer, seq: number, hash: Buffer }

/** Everything an entry says except its body and signature: the AEAD's associated data. */
export interface EntryHeader {
  groupId: Buffer
  author: Buffer
  /** 1, 2, 3… in the author's own log. */
  seq: number
  /** Hash of the author's entry seq - 1 (null for seq 1). */
  prev: Buffer | null
  deps: Dep[]
  lamport: number
  sentAt: number
  kind: EntryKind
  /** The key the body is sealed with: the hash of the entry that brought it (zeros for control entries). */
  epoch: Buffer
}

export interface Entry extends EntryHeader {
  /** Text: nonce ‖ XChaCha20-Poly1305 ciphertext. Control: the encoded ControlOp (signed, not sealed). */
  body: Buffer
  signature: Buffer
}

const dep: Codec<Dep> = struct<Dep>([['author', fixed32], ['seq', uint], ['hash', fixed32]])

export const headerCodec: Codec<EntryHeader> = struct<EntryHeader>([
  ['groupId', fixed32],
  ['author', fixed32],
  ['seq', uint],
  ['prev', optionalFixed32],
  ['deps', boundedArray(dep, MAX_DEPS)],
  ['lamport', uint],
  ['sentAt', uint],
  ['kind', enumOf(ENTRY_KINDS)],
  ['epoch', fixed32]
])

/** `[version][header][body]`: the bytes the author signs. */
export function encodeUnsigned (header: EntryHeader, body: Buffer): Buffer {
  return encodeTagged(struct<{ h: EntryHeader, b: Buffer }>([['h', headerCodec], ['b', buffer]]), ENTRY_VERSION, { h: header, b: body })
}

/** The header alone (with its version byte): what the body's AEAD binds to. */
export function encodeHeader (header: EntryHeader): Buffer {
  return encodeTagged(headerCodec, ENTRY_VERSION, header)
}

/** Null for anything malformed, over-long, or of a version this one does not read. */
export function decodeEntry (bytes: Uint8Array): Entry | null {
  if (bytes.byteLength > MAX_ENTRY_BYTES || bytes.byteLength < 1 + SIGNATURE_BYTES || bytes[0] !== ENTRY_VERSION) return null
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const signed = b.subarray(1, b.byteLength - SIGNATURE_BYTES)
  const parts = decodeOrNull(struct<{ h: EntryHeader, b: Buffer }>([['h', headerCodec], ['b', buffer]]), signed)
  if (parts === null) return null
  return { ...parts.h, body: parts.b, signature: b.subarray(b.byteLength - SIGNATURE_BYTES) }
}

// --- control operations (membership, roles, topic, keys)

export type ControlType = 'create' | 'add' | 'join' | 'leave' | 'remove' | 'role' | 'topic' | 'rekey'
export const CONTROL_TYPES: readonly ControlType[] = ['create', 'add', 'join', 'leave', 'remove', 'role', 'topic', 'rekey']

/** A fresh group key sealed (crypto_box_seal) to one member. */
export interface SealedKey { member: Buffer, sealed: Buffer }

export interface ControlOp {
  op: ControlType
  /** add, remove, role: whom it is about. */
  member: Buffer | null
  /** create: the group's name; add: the member's name; topic: the topic. */
  text: string
  role: Role
  /** create: the nonce the group id is made from (groupId = BLAKE2b(founder ‖ nonce)). */
  nonce: Buffer | null
  /** create, add, remove, rekey: a new key for exactly these members. */
  keys: SealedKey[]
  /** The name the author goes by (shown to members who are not their friends). */
  nick: string
}

const sealedKey: Codec<SealedKey> = struct<SealedKey>([['member', fixed32], ['sealed', buffer]])
const controlCodec: Codec<ControlOp> = struct<ControlOp>([
  ['op', enumOf(CONTROL_TYPES)],
  ['member', optionalFixed32],
  ['text', boundedString(MAX_TOPIC_BYTES)],
  ['role', enumOf(ROLES)],
  ['nonce', optionalFixed32],
  ['keys', boundedArray(sealedKey, MAX_MEMBERS)],
  ['nick', boundedString(MAX_GROUP_NAME_BYTES * 2)]
])

export const encodeControl = (op: ControlOp): Buffer => encodeTagged(controlCodec, 1, op)
export function decodeControl (bytes: Uint8Array): ControlOp | null {
  if (bytes.byteLength < 1 || bytes[0] !== 1) return null
  return decodeOrNull(controlCodec, bytes.subarray(1))
}

// --- what a profile keeps per group

export type Membership = 'invited' | 'joining' | 'joined' | 'left' | 'removed' | 'declined'
export const MEMBERSHIPS: readonly Membership[] = ['invited', 'joining', 'joined', 'left', 'removed', 'declined']

export interface GroupKey { id: Buffer, key: Buffer }

export interface GroupRecord {
  groupId: Buffer
  name: string
  state: Membership
  /** Who invited me (my own key for a group I founded). */
  from: Buffer
  keys: GroupKey[]
  /** Lines from others since a client last marked the group read. */
  unread: number
}

const groupKey: Codec<GroupKey> = struct<GroupKey>([['id', fixed32], ['key', fixed32]])
const recordCodec: Codec<GroupRecord> = struct<GroupRecord>([
  ['groupId', fixed32],
  ['name', boundedString(MAX_GROUP_NAME_BYTES)],
  ['state', enumOf(MEMBERSHIPS)],
  ['from', fixed32],
  ['keys', boundedArray(groupKey, 4096)],
  ['unread', uint]
])

export const encodeGroupRecord = (r: GroupRecord): Buffer => encodeTagged(recordCodec, RECORD_VERSION, r)
export function decodeGroupRecord (bytes: Uint8Array): GroupRecord | null {
  if (bytes.byteLength < 1 || bytes[0] !== RECORD_VERSION) return null
  return decodeOrNull(recordCodec, bytes.subarray(1))
}

// --- psst-group/1 frames

/** How far I hold one author's log. */
export interface Head { author: Buffer, seq: number }

export type GroupFrame =
  /** What I hold of a group: the peer answers with what I lack. */
  | { type: 'have', groupId: Buffer, heads: Head[] }
  /** Send me these authors' entries from `seq` on. */
  | { type: 'want', groupId: Buffer, from: Head[] }
  /** `live`: new entries being passed on (the receiver passes them on too); else an answer to have/want. */
  | { type: 'entries', groupId: Buffer, entries: Buffer[], live: boolean }
  /** An invitation: the group's keys so far (to read its history) and the entry that added me. */
  | { type: 'invite', groupId: Buffer, name: string, keys: GroupKey[], entries: Buffer[] }
  | { type: 'decline', groupId: Buffer }

const head: Codec<Head> = struct<Head>([['author', fixed32], ['seq', uint]])

export const groupFrames = frameTable<GroupFrame>([
  ['have', struct([['groupId', fixed32], ['heads', boundedArray(head, MAX_MEMBERS * 4)]])],
  ['want', struct([['groupId', fixed32], ['from', boundedArray(head, MAX_MEMBERS * 4)]])],
  ['entries', struct([['groupId', fixed32], ['entries', boundedArray(buffer, MAX_ENTRIES_PER_FRAME)], ['live', bool]])],
  ['invite', struct([['groupId', fixed32], ['name', boundedString(MAX_GROUP_NAME_BYTES)], ['keys', boundedArray(groupKey, 4096)], ['entries', boundedArray(buffer, 4)]])],
  ['decline', struct([['groupId', fixed32]])]
], MAX_GROUP_FRAME_BYTES)

export const groupHandshake = c.uint
