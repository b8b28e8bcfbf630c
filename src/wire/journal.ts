/**
 * The store's write-ahead journal (src/storage/journal.ts): a file header, then one record per
 * write batch,
 *
 *   file    = JOURNAL_MAGIC then records
 *   record  = [payload length: u32 LE][crc32 of payload: u32 LE][payload]
 *   payload = [batch seq: uint][op count: uint] then per op [type: uint8 (0 put, 1 del)][sub: uint8][key: uint-prefixed][value: uint-prefixed, puts only]
 *
 * The batch seq grows by one per batch for the life of the profile; LevelDB stores the last one
 * it holds, so a replay skips what it already has and can never move state backwards
 * (docs/design.md, Storage). A file without the header is a journal of the first version (no
 * batch seq), read so that an upgrade does not lose what a killed run left in it.
 *
 * Encoding is by hand (every message goes through it once); decoding is total: it returns the
 * records of the longest valid prefix and says what stopped it.
 */
import { crc32 } from 'node:zlib'
import c from 'compact-encoding'
import { uintBytes, writeUint, type State } from './codec.js'

export interface JournalOp { type: 'put' | 'del', sub: number, key: Buffer, value?: Buffer }

/** One batch; `seq` is null for a record of the first version, which had none. */
export interface JournalRecord { seq: number | null, ops: JournalOp[] }

export const JOURNAL_MAGIC = Buffer.from('PSSTJ\x00\x00\x02', 'latin1')
export const JOURNAL_HEADER_BYTES = 8
/** A record larger than this is taken as damage, not as data (far above any batch psst writes). */
export const MAX_JOURNAL_RECORD_BYTES = 512 * 1024 * 1024

export function encodeJournalRecord (seq: number, ops: JournalOp[]): Buffer {
  let size = uintBytes(seq) + uintBytes(ops.length)
  for (const op of ops) {
    size += 2 + uintBytes(op.key.byteLength) + op.key.byteLength
    if (op.type === 'put') size += uintBytes(op.value!.byteLength) + op.value!.byteLength
  }
  const out = Buffer.allocUnsafe(JOURNAL_HEADER_BYTES + size)
  let at = writeUint(out, JOURNAL_HEADER_BYTES, seq)
  at = writeUint(out, at, ops.length)
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
  records: JournalRecord[]
  /** Bytes of the valid prefix (file header included). */
  validBytes: number
  /** True when bytes after the valid prefix are not a record cut short by a crash. */
  damaged: boolean
  /** Bytes of a last record cut short (a crash or a full disk mid-write): never applied. */
  cutShort: number
}

export function decodeJournal (file: Buffer): JournalContents {
  const versioned = file.byteLength >= JOURNAL_MAGIC.byteLength && JOURNAL_MAGIC.equals(file.subarray(0, JOURNAL_MAGIC.byteLength))
  const records: JournalRecord[] = []
  let at = versioned ? JOURNAL_MAGIC.byteLength : 0
  const end = (damaged: boolean): JournalContents => ({ records, validBytes: at, damaged, cutShort: damaged ? 0 : file.byteLength - at })
  while (at < file.byteLength) {
    const rest = file.byteLength - at
    if (rest < JOURNAL_HEADER_BYTES) return end(false)
    const size = file.readUInt32LE(at)
    if (size > MAX_JOURNAL_RECORD_BYTES) return end(true)
    // A record cut short at the end is what a crash mid-write leaves: not damage.
    if (rest < JOURNAL_HEADER_BYTES + size) return end(false)
    const payload = file.subarray(at + JOURNAL_HEADER_BYTES, at + JOURNAL_HEADER_BYTES + size)
    const record = crc32(payload) === file.readUInt32LE(at + 4) ? decodePayload(payload, versioned) : null
    if (record === null) return end(true)
    // Batch seqs only grow: one that does not is not a record this store wrote here.
    const last = records.length > 0 ? records[records.length - 1].seq : null
    if (record.seq !== null && last !== null && record.seq <= last) return end(true)
    records.push(record)
    at += JOURNAL_HEADER_BYTES + size
  }
  return end(false)
}

function decodePayload (payload: Buffer, versioned: boolean): JournalRecord | null {
  try {
    const state: State = { start: 0, end: payload.byteLength, buffer: payload }
    const seq = versioned ? c.uint.decode(state) as number : null
    const n = c.uint.decode(state) as number
    const ops: JournalOp[] = []
    for (let i = 0; i < n; i++) {
      const type = c.uint8.decode(state) as number
      const sub = c.uint8.decode(state) as number
      if (type > 1) return null
      const key = bytes(state)
      ops.push(type === 0 ? { type: 'put', sub, key, value: bytes(state) } : { type: 'del', sub, key })
    }
    return state.start === state.end ? { seq, ops } : null
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
