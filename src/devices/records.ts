/**
 * The records of one identity on several devices (docs/devices.md): each starts with a version
 * byte and is compact-encoded like every other wire and storage record; decoding is total.
 */
import {
  struct, boundedString, boundedArray, encodeTagged, decodeOrNull, uint, fixed16, fixed32, fixed4, enumOf, bool, type Codec
} from '../wire/codec.js'
import c from 'compact-encoding'
import { KIND_VALUES, type WireKind } from '../wire/frames.js'
import { MAX_MESSAGE_BYTES, MAX_NAME_BYTES } from '../wire/limits.js'

/** Devices one identity may have at once: a list is sent on every link, so it stays small. */
export const MAX_DEVICES = 16
const fixed64: Codec<Buffer> = c.fixed64 as Codec<Buffer>
const name = boundedString(MAX_NAME_BYTES)

/**
 * The identity's word that `deviceKey` speaks for it from `epoch` on. The signature covers the
 * record's other fields under a domain tag (see attestation.ts), so it cannot be replayed as
 * anything else the identity key signs.
 */
export interface Attestation { identity: Buffer, deviceKey: Buffer, epoch: number, name: string, signature: Buffer }
export const attestationCodec: Codec<Attestation> = struct<Attestation>([
  ['identity', fixed32], ['deviceKey', fixed32], ['epoch', uint], ['name', name], ['signature', fixed64]
])
export type AttestationBody = Omit<Attestation, 'signature'>
export const attestationBodyCodec: Codec<AttestationBody> = struct<AttestationBody>([
  ['identity', fixed32], ['deviceKey', fixed32], ['epoch', uint], ['name', name]
])

/**
 * Every device of an identity at one epoch, signed as a whole by the identity. A newer epoch
 * replaces an older list; a device missing from the newest list is revoked.
 */
export interface DeviceList { identity: Buffer, epoch: number, devices: Attestation[], signature: Buffer }
export const deviceListCodec: Codec<DeviceList> = struct<DeviceList>([
  ['identity', fixed32], ['epoch', uint], ['devices', boundedArray(attestationCodec, MAX_DEVICES)], ['signature', fixed64]
])
export type DeviceListBody = Omit<DeviceList, 'signature'>
export const deviceListBodyCodec: Codec<DeviceListBody> = struct<DeviceListBody>([
  ['identity', fixed32], ['epoch', uint], ['devices', boundedArray(attestationCodec, MAX_DEVICES)]
])

/**
 * What a profile keeps about devices: the identity it speaks for (its own key on the first
 * device), that identity's newest list, when each of my devices was last seen, and the newest
 * list of every friend who has more than one device.
 */
export interface DeviceBook {
  identity: Buffer
  mine: DeviceList | null
  lastSeen: Array<{ deviceKey: Buffer, at: number }>
  friends: DeviceList[]
}
const MAX_FRIEND_LISTS = 4096
const seen = struct<{ deviceKey: Buffer, at: number }>([['deviceKey', fixed32], ['at', uint]])
const optionalList: Codec<DeviceList | null> = {
  preencode (state, v) { c.bool.preencode(state, v !== null); if (v !== null) deviceListCodec.preencode(state, v) },
  encode (state, v) { c.bool.encode(state, v !== null); if (v !== null) deviceListCodec.encode(state, v) },
  decode (state) { return c.bool.decode(state) ? deviceListCodec.decode(state) : null }
}
const deviceBookCodec: Codec<DeviceBook> = struct<DeviceBook>([
  ['identity', fixed32], ['mine', optionalList],
  ['lastSeen', boundedArray(seen, MAX_DEVICES)], ['friends', boundedArray(deviceListCodec, MAX_FRIEND_LISTS)]
])

/**
 * A message one of my devices sent to a friend, told to my other devices so each shows it as
 * sent (docs/devices.md, Self-sync). `friend` is the friend's identity key.
 */
export interface SentCopy { friend: Buffer, id: Buffer, sentAt: number, kind: WireKind, body: string }
const sentCopy = struct<SentCopy>([
  ['friend', fixed32], ['id', fixed16], ['sentAt', uint], ['kind', enumOf(KIND_VALUES)], ['body', boundedString(MAX_MESSAGE_BYTES)]
])

/** One friend as a newly linked device receives it: enough to reach them and be known. */
export interface FriendSeed { publicKey: Buffer, name: string, alias: string, mailbox: Buffer | null }
const optional32: Codec<Buffer | null> = {
  preencode (state, v) { c.bool.preencode(state, v !== null); if (v !== null) c.fixed32.preencode(state, v) },
  encode (state, v) { c.bool.encode(state, v !== null); if (v !== null) c.fixed32.encode(state, v) },
  decode (state) { return c.bool.decode(state) ? c.fixed32.decode(state) as Buffer : null }
}
const friendSeed = struct<FriendSeed>([['publicKey', fixed32], ['name', name], ['alias', name], ['mailbox', optional32]])

/** A line of recent history a newly linked device receives. */
export interface HistorySeed { friend: Buffer, outgoing: boolean, id: Buffer, sentAt: number, kind: WireKind, body: string }
const historySeed = struct<HistorySeed>([
  ['friend', fixed32], ['outgoing', bool], ['id', fixed16], ['sentAt', uint], ['kind', enumOf(KIND_VALUES)],
  ['body', boundedString(MAX_MESSAGE_BYTES)]
])

/** Friends and history lines a link hands over at most (the history is the most recent). */
export const MAX_SEED_FRIENDS = 4096
export const MAX_SEED_HISTORY = 2000

/**
 * The linking conversation (docs/devices.md, Linking): the waiting device asks, the linked one
 * grants, the waiting one confirms.
 */
export interface LinkAsk { deviceKey: Buffer, name: string }
export interface LinkGrant {
  list: DeviceList
  nospam: Buffer
  profileName: string
  friends: FriendSeed[]
  history: HistorySeed[]
}
const linkAsk = struct<LinkAsk>([['deviceKey', fixed32], ['name', name]])
const linkGrant = struct<LinkGrant>([
  ['list', deviceListCodec], ['nospam', fixed4], ['profileName', name],
  ['friends', boundedArray(friendSeed, MAX_SEED_FRIENDS)], ['history', boundedArray(historySeed, MAX_SEED_HISTORY)]
])

const VERSION = 1

function versioned<T> (codec: Codec<T>): { encode: (v: T) => Buffer, decode: (b: Uint8Array) => T | null } {
  return {
    encode: (v) => encodeTagged(codec, VERSION, v),
    decode: (b) => b.byteLength < 1 || b[0] !== VERSION ? null : decodeOrNull(codec, b.subarray(1))
  }
}

export const DeviceRecords = {
  attestation: versioned(attestationCodec),
  list: versioned(deviceListCodec),
  book: versioned(deviceBookCodec),
  sentCopy: versioned(sentCopy),
  linkAsk: versioned(linkAsk),
  linkGrant: versioned(linkGrant)
}
