/**
 * Values at rest (docs/design.md, Storage): XChaCha20-Poly1305 with a random 24-byte nonce, which is large enough
 * that random nonces never repeat in practice, so no counter has to survive a crash.
 */
import { PsstError } from '../errors.js'
import { buf, needLength, sodium } from './sodium.js'

export const AEAD_KEY_BYTES = 32
export const AEAD_NONCE_BYTES = 24
export const AEAD_TAG_BYTES = 16
const KDF_CONTEXT_CHARS = 8

/** nonce (24) ‖ ciphertext+tag. `ad` binds the value to where it is stored (e.g. its LevelDB key). */
export function encrypt (key: Uint8Array, plaintext: Uint8Array, ad?: Uint8Array): Buffer {
  needLength(key, AEAD_KEY_BYTES, 'encryption key')
  const s = sodium()
  const nonce = s.randombytes_buf(AEAD_NONCE_BYTES)
  const sealed = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad ?? null, null, nonce, key)
  return Buffer.concat([nonce, sealed])
}

/** Null on a wrong key, tampered bytes, wrong `ad`, or anything malformed: never throws. */
export function decrypt (key: Uint8Array, data: Uint8Array, ad?: Uint8Array): Buffer | null {
  if (!(key instanceof Uint8Array) || key.byteLength !== AEAD_KEY_BYTES) return null
  if (!(data instanceof Uint8Array) || data.byteLength < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) return null
  try {
    const nonce = data.subarray(0, AEAD_NONCE_BYTES)
    const sealed = data.subarray(AEAD_NONCE_BYTES)
    return buf(sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, ad ?? null, nonce, key))
  } catch {
    return null
  }
}

/** BLAKE2b-256 keyed: a stable name for a secret (a friend's public key) that reveals nothing without the key. */
export function keyedHash (key: Uint8Array, data: Uint8Array): Buffer {
  needLength(key, AEAD_KEY_BYTES, 'hash key')
  return buf(sodium().crypto_generichash(32, data, key))
}

/** Independent 32-byte keys from one master key, so one key is never used for two purposes. */
export function subkey (key: Uint8Array, id: number, context: string): Buffer {
  needLength(key, AEAD_KEY_BYTES, 'master key')
  if (typeof context !== 'string' || Buffer.byteLength(context) !== KDF_CONTEXT_CHARS) {
    throw PsstError.internal(`subkey context must be exactly ${KDF_CONTEXT_CHARS} ASCII characters, got '${context}'`)
  }
  if (!Number.isSafeInteger(id) || id < 0) throw PsstError.internal(`subkey id must be a non-negative integer, got ${id}`)
  return buf(sodium().crypto_kdf_derive_from_key(32, id, context, key))
}
