/**
 * The store's write-ahead journal (src/storage/journal.ts): one record per write batch,
 *
 *   [payload length: u32 LE][crc32 of payload: u32 LE][payload]
 *   payload = [op count: uint] then per op [type: uint8 (0 put, 1 del)][sub: uint8][key: uint-prefixed][value: uint-prefixed, puts only]
 *
 * Encoding is by hand (every message goes through it once); decoding is total: it returns the
 * records of the longest valid prefix and says whether anything after it was damaged.
 */
import { crc32 } from 'node:zlib'
import c from 'compact-encoding'
import { uintBytes, writeUint, type State } from './codec.js'

export interface JournalOp { type: 'put' | 'del', sub: number, key: Buffer, value?: Buffer }

export const JOURNAL_HEADER_BYTES = 8
/** A record larger than this is taken as damage, not as data (far above any batch psst writes). */
export const MAX_JOURNAL_RECORD_BYTES = 512 * 1024 * 1024

export function encodeJournalRecord (ops: JournalOp[]): Buffer {
  let size = uintBytes(ops.length)
  for (const op of ops) {
    size += 2 + uintBytes(op.key.byteLength) + op.key.byteLength
    if (op.type === 'put') size += uintBytes(op.value!.byteLength) + op.value!.byteLength
  }
  const out = Buffer.allocUnsafe(JOURNAL_HEADER_BYTES + size)
  let at = writeUint(out, JOURNAL_HEADER_BYTES, ops.length)
  for (const op of ops) {
    out[at++] = op.type === 'put' ? 0 : 1
    out[at++] = op.sub
    at = writeUint(out, at, op.key.byteLength)
    out.set(op.key, at)
    at += op.key.byteLength
    if (op.type === 'put') {
      at = writeUint(out, at, op.value!.byteLength)
      out.set(op.value!, at)
      at += op.value!.byteLength
    }
  }
  out.writeUInt32LE(size, 0)
  out.writeUInt32LE(crc32(out.subarray(JOURNAL_HEADER_BYTES)), 4)
  return out
}

export interface JournalContents {
  records: JournalOp[][]
  /** Bytes of the valid prefix. */
  validBytes: number
  /** True when bytes after the valid prefix are not a record cut short by a crash. */
  damaged: boolean
}

export function decodeJournal (file: Buffer): JournalContents {
  const records: JournalOp[][] = []
  let at = 0
  while (at < file.byteLength) {
    const rest = file.byteLength - at
    if (rest < JOURNAL_HEADER_BYTES) return { records, validBytes: at, damaged: false }
    const size = file.readUInt32LE(at)
    if (size > MAX_JOURNAL_RECORD_BYTES) return { records, validBytes: at, damaged: true }
    // A record cut short at the end is what a crash mid-write leaves: not damage.
    if (rest < JOURNAL_HEADER_BYTES + size) return { records, validBytes: at, damaged: false }
    const payload = file.subarray(at + JOURNAL_HEADER_BYTES, at + JOURNAL_HEADER_BYTES + size)
    const ops = crc32(payload) === file.readUInt32LE(at + 4) ? decodePayload(payload) : null
    if (ops === null) return { records, validBytes: at, damaged: true }
    records.push(ops)
    at += JOURNAL_HEADER_BYTES + size
  }
  return { records, validBytes: at, damaged: false }
}

function decodePayload (payload: Buffer): JournalOp[] | null {
  try {
    const state: State = { start: 0, end: payload.byteLength, buffer: payload }
    const n = c.uint.decode(state) as number
    const ops: JournalOp[] = []
    for (let i = 0; i < n; i++) {
      const type = c.uint8.decode(state) as number
      const sub = c.uint8.decode(state) as number
      if (type > 1) return null
      const key = bytes(state)
      ops.push(type === 0 ? { type: 'put', sub, key, value: bytes(state) } : { type: 'del', sub, key })
    }
    return state.start === state.end ? ops : null
  } catch {
    return null
  }
}

/** uint-prefixed bytes, copied out of the file buffer. */
function bytes (state: State): Buffer {
  const len = c.uint.decode(state) as number
  if (state.end - state.start < len) throw new Error('out of bounds')
  const out = Buffer.from(state.buffer!.subarray(state.start, state.start + len))
  state.start += len
  return out
}
