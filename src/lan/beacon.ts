/**
 * The LAN beacon record (docs/design.md, LAN discovery): one UDP datagram, compact-encoded and
 * versioned like every psst record. `[magic 4][version uint8][fields]`; a later version adds
 * fields at the end, so version 1 readers take what they know (withTail) and skip no more.
 */
import c from 'compact-encoding'
import { struct, boundedArray, boundedString, uint, fixed16, optionalFixed32, type Codec, type State } from '../wire/codec.js'
import { LAN_TAG_BYTES } from '../crypto/lan-tag.js'

/** "psst" then the LAN record's own byte: any other datagram on the port is not ours. */
export const BEACON_MAGIC = Buffer.from([0x70, 0x73, 0x73, 0x74])
export const BEACON_VERSION = 1
/** Under the 1280-byte IPv6 minimum MTU, so a beacon is never fragmented. */
export const MAX_BEACON_BYTES = 1200
/** Tags in one beacon; with more friends not connected, successive beacons take turns. */
export const MAX_BEACON_TAGS = 128
const MAX_HOST_BYTES = 64

export interface Beacon {
  /** The sender's DHT socket port. */
  port: number
  /** The address to dial; '' = the address the datagram came from (a daemon bound to 0.0.0.0). */
  host: string
  /**
   * The key to dial there: the sender's device key (docs/design.md, Presence privacy), which only
   * admits its friends; null = its identity key. A friend finds it on the DHT otherwise.
   */
  key: Buffer | null
  nonce: Buffer
  /** The tag a holder of the sender's current full ID recognises (random bytes when requests are closed). */
  requestTag: Buffer
  /** One per friend not connected, padded with random tags to a size bucket. */
  tags: Buffer[]
}

const tag = c.fixed(LAN_TAG_BYTES) as Codec<Buffer>
const fields = struct<Beacon>([
  ['port', uint], ['host', boundedString(MAX_HOST_BYTES)], ['key', optionalFixed32], ['nonce', fixed16],
  ['requestTag', tag], ['tags', boundedArray(tag, MAX_BEACON_TAGS)]
])

export function encodeBeacon (b: Beacon): Buffer {
  const state: State = { start: BEACON_MAGIC.length + 1, end: BEACON_MAGIC.length + 1, buffer: null }
  fields.preencode(state, b)
  const out = Buffer.alloc(state.end)
  BEACON_MAGIC.copy(out, 0)
  out[BEACON_MAGIC.length] = BEACON_VERSION
  state.buffer = out
  fields.encode(state, b)
  return out
}

export type BeaconResult = { beacon: Beacon } | { drop: 'lan-beacon-oversized' | 'lan-beacon-foreign' | 'lan-beacon-version' | 'lan-beacon-malformed' }

/** Reads a datagram; anything but a well-formed beacon is a named drop (the daemon counts it). */
export function decodeBeacon (data: Buffer): BeaconResult {
  if (data.byteLength > MAX_BEACON_BYTES) return { drop: 'lan-beacon-oversized' }
  if (data.byteLength <= BEACON_MAGIC.length || !data.subarray(0, BEACON_MAGIC.length).equals(BEACON_MAGIC)) return { drop: 'lan-beacon-foreign' }
  // A newer version starts with version 1's fields: read those and ignore its tail.
  if (data[BEACON_MAGIC.length] < BEACON_VERSION) return { drop: 'lan-beacon-version' }
  try {
    const state: State = { start: BEACON_MAGIC.length + 1, end: data.byteLength, buffer: data }
    const b = fields.decode(state)
    if (data[BEACON_MAGIC.length] === BEACON_VERSION && state.start !== state.end) return { drop: 'lan-beacon-malformed' }
    if (b.port < 1 || b.port > 65535) return { drop: 'lan-beacon-malformed' }
    return { beacon: b }
  } catch {
    return { drop: 'lan-beacon-malformed' }
  }
}

/** How many tags a beacon with `n` real ones carries: padding hides the exact count of friends. */
export function paddedTagCount (n: number): number {
  let size = 4
  while (size < n && size < MAX_BEACON_TAGS) size *= 2
  return Math.min(Math.max(size, n), MAX_BEACON_TAGS)
}

/** The bytes a tag covers for where to dial: "host:port" as the beacon states it, and the key. */
export function addressBytes (b: Pick<Beacon, 'host' | 'port' | 'key'>): Buffer {
  return Buffer.concat([Buffer.from(`${b.host}:${b.port}`, 'utf8'), b.key ?? Buffer.alloc(0)])
}
