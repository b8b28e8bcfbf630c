/**
 * Making and checking one entry: signed by its author (ed25519), a text body sealed with the
 * group key of its epoch (XChaCha20-Poly1305, the encoded header as associated data), a control
 * body signed but readable (every member must fold the roster, even one without the newest key).
 */
import { sign, verify, type KeyPair } from '../crypto/identity.js'
import { encrypt, decrypt } from '../crypto/aead.js'
import { blake2b256 } from '../crypto/hash.js'
import { decodeUtf8Strict } from '../wire/codec.js'
import {
  SIGNATURE_BYTES, decodeEntry, encodeHeader, encodeUnsigned, encodeControl, decodeControl,
  type ControlOp, type Entry, type EntryHeader
} from './wire.js'

export const NO_EPOCH = Buffer.alloc(32)

/** A checked entry with what the group needs to place it. */
export interface SignedEntry {
  entry: Entry
  bytes: Buffer
  hash: Buffer
  hex: string
  authorHex: string
}

export function hashOf (bytes: Uint8Array): Buffer { return blake2b256(bytes) }

export function groupIdFor (founder: Uint8Array, nonce: Uint8Array): Buffer {
  return blake2b256(Buffer.concat([founder, nonce]))
}

/** Signs a header and body: the bytes gossiped and stored. */
export function signEntry (header: EntryHeader, body: Buffer, keyPair: KeyPair): SignedEntry {
  const unsigned = encodeUnsigned(header, body)
  const signature = sign(unsigned, keyPair.secretKey)
  const bytes = Buffer.concat([unsigned, signature])
  return wrap({ ...header, body, signature }, bytes)
}

export function textEntry (header: Omit<EntryHeader, 'kind'> & { kind: 'text' | 'action' }, text: string, key: Buffer, keyPair: KeyPair): SignedEntry {
  const body = encrypt(key, Buffer.from(text, 'utf8'), encodeHeader(header))
  return signEntry(header, body, keyPair)
}

export function controlEntry (header: Omit<EntryHeader, 'kind' | 'epoch'>, op: ControlOp, keyPair: KeyPair): SignedEntry {
  return signEntry({ ...header, kind: 'control', epoch: NO_EPOCH }, encodeControl(op), keyPair)
}

export type ParseFailure = 'malformed' | 'bad-signature'

/** Decodes and checks the signature of bytes from the network or the disk. */
export function parseEntry (bytes: Uint8Array, hash?: Buffer): SignedEntry | ParseFailure {
  // A copy: what arrived is a view into a network chunk that must not stay alive with the entry.
  const own = Buffer.from(bytes)
  const entry = decodeEntry(own)
  if (entry === null) return 'malformed'
  if (!verify(entry.signature, own.subarray(0, own.byteLength - SIGNATURE_BYTES), entry.author)) return 'bad-signature'
  return wrap(entry, own, hash)
}

/** The text of a text entry, or null when the key is wrong or the bytes were changed. */
export function openText (entry: Entry, key: Buffer): string | null {
  const plain = decrypt(key, entry.body, encodeHeader(entry))
  return plain === null ? null : decodeUtf8Strict(plain)
}

export function controlOf (entry: Entry): ControlOp | null {
  return entry.kind === 'control' ? decodeControl(entry.body) : null
}

function wrap (entry: Entry, bytes: Buffer, known?: Buffer): SignedEntry {
  const hash = known ?? hashOf(bytes)
  return { entry, bytes, hash, hex: hash.toString('hex'), authorHex: entry.author.toString('hex') }
}
