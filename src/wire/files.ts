/**
 * File transfer on the wire (docs/design.md, File transfer): the manifest that an offer carries and the
 * `psst-file/1` frames. The manifest pins the file by a root hash over per-block BLAKE2b-256 hashes;
 * the receiver fetches the hash list over the file channel and checks it against the root before any
 * block is accepted.
 */
import c from 'compact-encoding'
import { boundedString, enumOf, fixed16, fixed32, frameTable, struct, uint, buffer, boundedArray, encodeTagged, decodeOrNull, type Codec } from './codec.js'

export const FILE_PROTOCOL = 'psst-file/1'
export const FILE_PROTOCOL_VERSION = 1
export const MANIFEST_VERSION = 1

/** A file name from a peer is untrusted text; this bounds it, src/files makes it safe to use. */
export const MAX_FILE_NAME_BYTES = 255
export const FILE_ID_BYTES = 16
/** Bounds a manifest accepts: 1 KiB..4 MiB blocks, sizes up to 2^53 - 1 (JS-safe integers). */
export const MIN_BLOCK_SIZE = 1024
export const MAX_BLOCK_SIZE = 4 * 1024 * 1024
/**
 * 64 KiB: a chat frame on the same stream waits behind about one block, so the block size bounds
 * chat latency during a transfer (256 KiB blocks measured a 4x larger chat delay); the hash list of
 * a 4 GiB file is then 2 MiB.
 */
export const DEFAULT_BLOCK_SIZE = 64 * 1024
/** Blocks a manifest may have: the receiver keeps the hash list (32 bytes a block) in memory. */
export const MAX_BLOCKS = 1 << 20
/** Blocks a sender aims for: files up to 4 GiB get 64 KiB blocks, larger ones larger blocks. */
export const TARGET_BLOCKS = 1 << 16

/** The default block size, doubled until the file fits in TARGET_BLOCKS blocks (at most 4 MiB). */
export function blockSizeFor (size: number): number {
  let b = DEFAULT_BLOCK_SIZE
  while (b < MAX_BLOCK_SIZE && Math.ceil(size / b) > TARGET_BLOCKS) b *= 2
  return b
}

/** Hashes per `hashes` frame (32 KiB of hashes). */
export const MAX_HASHES_PER_FRAME = 1024
/** Ranges per `request` frame. */
export const MAX_RANGES_PER_REQUEST = 256
/** Largest file frame: one block plus its header. */
export const MAX_FILE_FRAME_BYTES = MAX_BLOCK_SIZE + 256

export type FileKind = 'file' | 'avatar'
export const FILE_KINDS: readonly FileKind[] = ['file', 'avatar']

export interface Manifest {
  fileId: Buffer
  kind: FileKind
  name: string
  size: number
  blockSize: number
  root: Buffer
}

const manifestBody: Codec<Manifest> = struct<Manifest>([
  ['fileId', fixed16],
  ['kind', enumOf(FILE_KINDS)],
  ['name', boundedString(MAX_FILE_NAME_BYTES)],
  ['size', uint],
  ['blockSize', uint],
  ['root', fixed32]
])

/** Number of blocks of a manifest (an empty file has none). */
export function blockCount (m: { size: number, blockSize: number }): number {
  return Math.ceil(m.size / m.blockSize)
}

/** `[MANIFEST_VERSION][manifest]`: how an offer carries it. */
export function encodeManifest (m: Manifest): Buffer {
  return encodeTagged(manifestBody, MANIFEST_VERSION, m)
}

/** null for another version, malformed bytes, or values no honest sender produces. */
export function decodeManifest (bytes: Uint8Array): Manifest | null {
  if (bytes.byteLength < 1 || bytes[0] !== MANIFEST_VERSION) return null
  const m = decodeOrNull(manifestBody, bytes.subarray(1))
  if (m === null) return null
  if (m.blockSize < MIN_BLOCK_SIZE || m.blockSize > MAX_BLOCK_SIZE) return null
  if (!Number.isSafeInteger(m.size) || blockCount(m) > MAX_BLOCKS) return null
  return m
}

/**
 * A file message in the chat stream (kind 'file'): an offer is the manifest (`[1][manifest]`), a
 * cancel notice is `[2][fileId]`. Both ride the chat stream so they arrive exactly once, in order,
 * and through the mailbox when the friend is offline; a peer that knows only offers counts a
 * notice as a malformed offer and drops it.
 */
export const FILE_CANCEL_TAG = 2

export type FileMessage = { type: 'offer', manifest: Manifest } | { type: 'cancel', fileId: Buffer }

export function encodeFileCancel (fileId: Buffer): Buffer {
  return Buffer.concat([Buffer.from([FILE_CANCEL_TAG]), fileId])
}

export function decodeFileMessage (bytes: Uint8Array): FileMessage | null {
  if (bytes.byteLength === 1 + FILE_ID_BYTES && bytes[0] === FILE_CANCEL_TAG) return { type: 'cancel', fileId: Buffer.from(bytes.subarray(1)) }
  const manifest = decodeManifest(bytes)
  return manifest === null ? null : { type: 'offer', manifest }
}

/** What a conversation shows for a message of kind 'file' (its text is the base64 of a file message). */
export function fileMessageText (text: string): string {
  const msg = decodeFileMessage(Buffer.from(text, 'base64'))
  if (msg === null) return '[file message this version cannot read]'
  if (msg.type === 'cancel') return '[file transfer cancelled]'
  if (msg.manifest.kind === 'avatar') return '[new avatar]'
  return `[file offer: ${msg.manifest.name}]`
}

export interface BlockRange { start: number, count: number }
const range: Codec<BlockRange> = struct<BlockRange>([['start', uint], ['count', uint]])

export type FileErrorCode = 'not-found' | 'changed' | 'unreadable' | 'cancelled' | 'bad-request'
export const FILE_ERROR_CODES: readonly FileErrorCode[] = ['not-found', 'changed', 'unreadable', 'cancelled', 'bad-request']

export type FileFrame =
  | { type: 'hashes-request', fileId: Buffer, start: number, count: number }
  | { type: 'hashes', fileId: Buffer, start: number, hashes: Buffer }
  | { type: 'request', fileId: Buffer, ranges: BlockRange[] }
  | { type: 'block', fileId: Buffer, index: number, data: Buffer }
  | { type: 'done', fileId: Buffer }
  | { type: 'error', fileId: Buffer, code: FileErrorCode }

const table = frameTable<FileFrame>([
  ['hashes-request', struct([['fileId', fixed16], ['start', uint], ['count', uint]])],
  ['hashes', struct([['fileId', fixed16], ['start', uint], ['hashes', buffer]])],
  ['request', struct([['fileId', fixed16], ['ranges', boundedArray(range, MAX_RANGES_PER_REQUEST)]])],
  ['block', struct([['fileId', fixed16], ['index', uint], ['data', buffer]])],
  ['done', struct([['fileId', fixed16]])],
  ['error', struct([['fileId', fixed16], ['code', enumOf(FILE_ERROR_CODES)]])]
], MAX_FILE_FRAME_BYTES)

export const encodeFileFrame = table.encode
export const decodeFileFrame = table.decode
/** Encodes a frame in place into the channel's own buffer (a 64 KiB block is copied once, not twice). */
export const fileFrameWriter = table.writer

/** The channel handshake: the protocol version, so a later version can refuse or adapt. */
export const fileHandshake: Codec<number> = c.uint as Codec<number>

/** Where a transfer stands, as `psst file list` shows it. */
export type TransferState = 'offered' | 'accepted' | 'active' | 'paused' | 'complete' | 'failed' | 'cancelled'
export const TRANSFER_STATES: readonly TransferState[] = ['offered', 'accepted', 'active', 'paused', 'complete', 'failed', 'cancelled']
export type Direction = 'in' | 'out'

/** One transfer at rest (`<home>/files/<fileId>.rec`). Sender's stamp fields are 0 for incoming ones. */
export interface TransferRecord {
  direction: Direction
  friend: Buffer
  manifest: Buffer
  state: TransferState
  /** Sender: the offered file. Receiver: the finished file, or the reserved destination until then. */
  path: string
  /** Receiver: the `.part` file ('' before acceptance). */
  part: string
  bytes: number
  stampSize: number
  stampMtimeMs: number
  stampIno: number
  createdAt: number
  reason: string
}

const TRANSFER_RECORD_VERSION = 1
const MAX_PATH_BYTES = 4096
const transferRecord: Codec<TransferRecord> = struct<TransferRecord>([
  ['direction', enumOf(['in', 'out'] as const)],
  ['friend', fixed32],
  ['manifest', buffer],
  ['state', enumOf(TRANSFER_STATES)],
  ['path', boundedString(MAX_PATH_BYTES)],
  ['part', boundedString(MAX_PATH_BYTES)],
  ['bytes', uint],
  ['stampSize', uint],
  ['stampMtimeMs', c.float64 as Codec<number>],
  ['stampIno', uint],
  ['createdAt', uint],
  ['reason', boundedString(1024)]
])

export function encodeTransferRecord (r: TransferRecord): Buffer {
  return encodeTagged(transferRecord, TRANSFER_RECORD_VERSION, r)
}

export function decodeTransferRecord (bytes: Uint8Array): TransferRecord | null {
  if (bytes.byteLength < 1 || bytes[0] !== TRANSFER_RECORD_VERSION) return null
  return decodeOrNull(transferRecord, bytes.subarray(1))
}
