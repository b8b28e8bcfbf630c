import c from 'compact-encoding'

/** A compact-encoding triple as compact-encoding defines it. */
export interface Codec<T> {
  preencode (state: State, value: T): void
  encode (state: State, value: T): void
  decode (state: State): T
}
export interface State { start: number, end: number, buffer: Buffer | null }

// ignoreBOM: a leading U+FEFF is part of the text, not a marker to strip (bodies must round-trip).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A UTF-8 string of at most `maxBytes`; invalid UTF-8 or an over-long string fails decoding. */
export function boundedString (maxBytes: number): Codec<string> {
  return {
    preencode (state, s) { c.string.preencode(state, s) },
    encode (state, s) { c.string.encode(state, s) },
    decode (state) {
      const len = c.uint.decode(state)
      if (len > maxBytes) throw new Error('string too long')
      if (state.end - state.start < len) throw new Error('out of bounds')
      const bytes = state.buffer!.subarray(state.start, state.start + len)
      state.start += len
      return strictUtf8.decode(bytes)
    }
  }
}

/** Strict UTF-8 (no replacement characters, a BOM kept as text); null for invalid bytes. */
export function decodeUtf8Strict (bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return null
  }
}

/**
 * compact-encoding's uint read by hand-written decoders: the value at `at`, or -1 when it runs
 * past `end` or exceeds the safe integers (what c.uint refuses); the next offset goes to `uintEnd`.
 */
export let uintEnd = 0
export function readUint (b: Uint8Array, at: number, end: number): number {
  if (at >= end) return -1
  const a = b[at]
  if (a <= 0xfc) { uintEnd = at + 1; return a }
  if (a === 0xfd) {
    if (end - at < 3) return -1
    uintEnd = at + 3
    return b[at + 1] + b[at + 2] * 0x100
  }
  if (a === 0xfe) {
    if (end - at < 5) return -1
    uintEnd = at + 5
    return u32le(b, at + 1)
  }
  if (end - at < 9) return -1
  const v = u32le(b, at + 1) + u32le(b, at + 5) * 0x1_0000_0000
  if (v > Number.MAX_SAFE_INTEGER) return -1
  uintEnd = at + 9
  return v
}

const u32le = (b: Uint8Array, at: number): number => b[at] + b[at + 1] * 0x100 + b[at + 2] * 0x10000 + b[at + 3] * 0x1000000

/** Byte length of a string as UTF-8, for checks before encoding. */
export function utf8Length (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** Bytes of compact-encoding's uint for `n`. */
export const uintBytes = (n: number): number => n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffff_ffff ? 5 : 9

/** compact-encoding's uint, written in place by hand-written encoders; returns the next offset. */
export function writeUint (b: Buffer, at: number, n: number): number {
  if (n < 0xfd) { b[at] = n; return at + 1 }
  if (n <= 0xffff) { b[at] = 0xfd; b.writeUInt16LE(n, at + 1); return at + 3 }
  if (n <= 0xffff_ffff) { b[at] = 0xfe; b.writeUInt32LE(n, at + 1); return at + 5 }
  b[at] = 0xff
  b.writeUInt32LE(n >>> 0, at + 1)
  b.writeUInt32LE(Math.floor(n / 0x1_0000_0000), at + 5)
  return at + 9
}

/** Encodes with a codec; the caller owns the result. */
export function encode<T> (codec: Codec<T>, value: T): Buffer {
  return c.encode(codec as never, value) as Buffer
}

/** `[tag: uint8][value]` in one allocation (frames and versioned records both start with a byte). */
export function encodeTagged<T> (codec: Codec<T>, tag: number, value: T): Buffer {
  const state: State = { start: 1, end: 1, buffer: null }
  codec.preencode(state, value)
  const buffer = Buffer.allocUnsafe(state.end)
  buffer[0] = tag
  state.buffer = buffer
  codec.encode(state, value)
  return buffer
}

/**
 * Decodes a whole buffer or returns null: untrusted input never throws past this point,
 * and trailing bytes count as malformed so a frame has exactly one reading.
 */
export function decodeOrNull<T> (codec: Codec<T>, buffer: Uint8Array): T | null {
  try {
    const state: State = { start: 0, end: buffer.byteLength, buffer: Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength) }
    const value = codec.decode(state)
    if (state.start !== state.end) return null
    return value
  } catch {
    return null
  }
}

/** Builds a record codec from ordered fields. */
export function struct<T extends object> (fields: Array<[keyof T & string, Codec<any>]>): Codec<T> {
  // Indexed loops over plain arrays: a message is encoded twice and decoded once per hop.
  const keys = fields.map(([k]) => k)
  const codecs = fields.map(([, f]) => f)
  const n = fields.length
  return {
    preencode (state, v) { for (let i = 0; i < n; i++) codecs[i].preencode(state, (v as any)[keys[i]]) },
    encode (state, v) { for (let i = 0; i < n; i++) codecs[i].encode(state, (v as any)[keys[i]]) },
    decode (state) {
      const out: any = {}
      for (let i = 0; i < n; i++) {
        const v = codecs[i].decode(state)
        // A retired field is read and left out.
        if (v !== undefined) out[keys[i]] = v
      }
      return out as T
    }
  }
}

/** An array of at most `max` items; a longer announced length fails before allocating. */
export function boundedArray<T> (item: Codec<T>, max: number): Codec<T[]> {
  return {
    preencode (state, arr) { c.uint.preencode(state, arr.length); for (const x of arr) item.preencode(state, x) },
    encode (state, arr) { c.uint.encode(state, arr.length); for (const x of arr) item.encode(state, x) },
    decode (state) {
      const n = c.uint.decode(state)
      if (n > max) throw new Error('array too long')
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(item.decode(state))
      return out
    }
  }
}

/** An enum stored as uint8; unknown values fail decoding. */
export function enumOf<T extends string> (values: readonly T[]): Codec<T> {
  return {
    preencode (state) { c.uint8.preencode(state, 0) },
    encode (state, v) { c.uint8.encode(state, values.indexOf(v)) },
    decode (state) {
      const i = c.uint8.decode(state)
      if (i >= values.length) throw new Error('bad enum')
      return values[i]
    }
  }
}

export const uint: Codec<number> = c.uint as Codec<number>
export const uint8: Codec<number> = c.uint8 as Codec<number>
export const bool: Codec<boolean> = c.bool as Codec<boolean>
export const fixed32: Codec<Buffer> = c.fixed32 as Codec<Buffer>
export const fixed16: Codec<Buffer> = c.fixed(16) as Codec<Buffer>
export const fixed4: Codec<Buffer> = c.fixed(4) as Codec<Buffer>
export const buffer: Codec<Buffer> = c.buffer as Codec<Buffer>
export const optionalFixed32: Codec<Buffer | null> = {
  preencode (state, v) { c.bool.preencode(state, v !== null); if (v) c.fixed32.preencode(state, v) },
  encode (state, v) { c.bool.encode(state, v !== null); if (v) c.fixed32.encode(state, v) },
  decode (state) { return c.bool.decode(state) ? c.fixed32.decode(state) as Buffer : null }
}

/**
 * Fields added at the end of a record or frame: written always, and read as `fallback()` when
 * the bytes end before them (what an older version wrote), so old data stays readable. They come
 * as a whole or not at all: bytes that end inside them are malformed.
 */
export function withTail<H extends object, T extends object> (head: Codec<H>, tail: Codec<T>, fallback: () => T): Codec<H & T> {
  return {
    preencode (state, v) { head.preencode(state, v); tail.preencode(state, v) },
    encode (state, v) { head.encode(state, v); tail.encode(state, v) },
    decode (state) {
      const h = head.decode(state)
      return Object.assign(h, state.start === state.end ? fallback() : tail.decode(state))
    }
  }
}

/**
 * A field no longer used, kept so the layout stays as older peers read it: always written as
 * `value`, and on reading checked by `skip` (which must consume it) and dropped.
 */
export function retired<T> (codec: Codec<T>, value: T): Codec<undefined> {
  return {
    preencode (state) { codec.preencode(state, value) },
    encode (state) { codec.encode(state, value) },
    decode (state) { codec.decode(state); return undefined }
  }
}

/**
 * A protocol's frame table: `[type: uint8 = position + 1][body]`. Decoding is total: null for a
 * malformed or over-long frame, `{ type: 'unknown' }` for a code this version does not know.
 */
export function frameTable<F extends { type: string }> (entries: Array<[F['type'], Codec<any>]>, maxBytes: number): {
  encode: (frame: F) => Buffer
  decode: (bytes: Uint8Array) => F | { type: 'unknown', code: number } | null
  /** Encodes a frame straight into a caller's buffer (a protomux message): one copy of a large body less. */
  writer: Codec<F>
} {
  const codeOf = new Map<string, number>(entries.map(([t], i) => [t, i + 1]))
  return {
    writer: {
      preencode (state, frame) {
        state.end++
        entries[codeOf.get(frame.type)! - 1][1].preencode(state, frame)
      },
      encode (state, frame) {
        const code = codeOf.get(frame.type)!
        state.buffer![state.start++] = code
        entries[code - 1][1].encode(state, frame)
      },
      decode () { throw new Error('frameTable.writer only encodes; decode the bytes with decode()') }
    },
    encode (frame) {
      // A struct codec reads only its own fields, so the frame goes in as it is (no copy without `type`).
      const code = codeOf.get(frame.type)!
      return encodeTagged(entries[code - 1][1], code, frame)
    },
    decode (bytes) {
      if (bytes.byteLength < 1 || bytes.byteLength > maxBytes) return null
      const code = bytes[0]
      const entry = entries[code - 1]
      if (code === 0 || entry === undefined) return { type: 'unknown', code }
      const body = decodeOrNull(entry[1], bytes.subarray(1))
      if (body === null) return null
      // The decoded body is a fresh object: tag it instead of copying it (one less object a frame).
      const tagged = body as { type: string }
      tagged.type = entry[0]
      return tagged as F
    }
  }
}
