/**
 * Content hashes for file transfer: BLAKE2b-256 (libsodium's generichash, unkeyed). A file's root is
 * the hash of its per-block hashes in order, so one 32-byte value in an offer pins every block.
 */
import { buf, sodium } from './sodium.js'

export const HASH_BYTES = 32

/** BLAKE2b-256 of `data`. */
export function blake2b256 (data: Uint8Array): Buffer {
  return buf(sodium().crypto_generichash(HASH_BYTES, data, null))
}

export interface Hasher {
  update (data: Uint8Array): void
  digest (): Buffer
}

/** Incremental BLAKE2b-256, for a root over many block hashes without one big buffer. */
export function blake2b256Stream (): Hasher {
  const s = sodium()
  const state = s.crypto_generichash_init(null, HASH_BYTES)
  return {
    update (data) { s.crypto_generichash_update(state, data) },
    digest () { return buf(s.crypto_generichash_final(state, HASH_BYTES)) }
  }
}

/** Root over concatenated block hashes (`hashes.byteLength` a multiple of 32). */
export function rootOfBlockHashes (hashes: Uint8Array): Buffer {
  return blake2b256(hashes)
}
