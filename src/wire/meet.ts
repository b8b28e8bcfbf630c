/**
 * Presence privacy's formats (docs/design.md, Presence privacy): the pointer a daemon publishes
 * for each friend (encrypted, in a mutable DHT record), and the profile's presence settings.
 * Each is [version: uint8][record]; decoding is total.
 */
import { struct, boundedArray, decodeOrNull, encodeTagged, uint, bool, fixed32, type Codec } from './codec.js'

const VERSION = 1

/** Where I can be reached by this friend now: the device key my daemon listens on. */
export interface MeetingPointer { deviceKey: Buffer, issuedAt: number }
const pointer = struct<MeetingPointer>([['deviceKey', fixed32], ['issuedAt', uint]])

/** Friends whose daemons predate the meeting keys, kept at most (the migration set). */
export const MAX_LEGACY_FRIENDS = 10_000

/**
 * `requestsOpen`: `psst requests on|off`. `legacyUntil` (ms) and `legacy`: the migration window,
 * while which friends that have not yet met me on a meeting key may still reach my identity key.
 * `deviceSeed`/`deviceSince`: the device key friends meet me on, and when it was made (rotated).
 */
export interface PresenceRecord {
  requestsOpen: boolean
  legacyUntil: number
  legacy: Buffer[]
  deviceSeed: Buffer
  deviceSince: number
}
const presence = struct<PresenceRecord>([
  ['requestsOpen', bool], ['legacyUntil', uint], ['legacy', boundedArray(fixed32, MAX_LEGACY_FRIENDS)],
  ['deviceSeed', fixed32], ['deviceSince', uint]
])

function versioned<T> (codec: Codec<T>): { encode: (v: T) => Buffer, decode: (b: Uint8Array) => T | null } {
  return {
    encode: (v) => encodeTagged(codec, VERSION, v),
    decode: (b) => b.byteLength < 1 || b[0] !== VERSION ? null : decodeOrNull(codec, b.subarray(1))
  }
}

export const MeetRecords = { pointer: versioned(pointer), presence: versioned(presence) }
