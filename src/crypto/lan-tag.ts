/**
 * The keys and tags of LAN beacons (docs/design.md, LAN discovery). A beacon carries, per friend,
 * a short tag only that friend can compute, and one request tag only a holder of my current full
 * ID can compute; with a fresh nonce in every beacon, a stranger sees random bytes that link
 * neither to a key nor to the previous beacon.
 */
import { buf, needLength, sodium } from './sodium.js'
import type { KeyPair } from './identity.js'

export const LAN_TAG_BYTES = 8
export const LAN_NONCE_BYTES = 16
const KEY_BYTES = 32
const FRIEND_DOMAIN = Buffer.from('psst/lan-friend/v1', 'utf8')
const REQUEST_DOMAIN = Buffer.from('psst/lan-request/v1', 'utf8')

/**
 * The key two friends share for LAN tags: their X25519 shared secret (both identity keys
 * converted), hashed with the two public keys in byte order so both ends get the same key.
 * Null when the friend's key is not a usable ed25519 point.
 */
export function lanFriendKey (me: KeyPair, friendPublicKey: Uint8Array): Buffer | null {
  needLength(friendPublicKey, KEY_BYTES, 'friend public key')
  const s = sodium()
  let shared: Uint8Array
  try {
    const sk = s.crypto_sign_ed25519_sk_to_curve25519(me.secretKey)
    try {
      shared = s.crypto_scalarmult(sk, s.crypto_sign_ed25519_pk_to_curve25519(friendPublicKey))
    } finally {
      s.memzero(sk)
    }
  } catch {
    return null
  }
  const [lo, hi] = Buffer.compare(me.publicKey, Buffer.from(friendPublicKey)) < 0 ? [me.publicKey, friendPublicKey] : [friendPublicKey, me.publicKey]
  const key = buf(s.crypto_generichash(KEY_BYTES, Buffer.concat([FRIEND_DOMAIN, shared, lo, hi]), null))
  s.memzero(shared)
  return key
}

/**
 * The key of request tags: a hash of a full ID (public key and nospam). Whoever has my current
 * ID can recognise my beacons; with only my public key, or an ID from before `nospam --new`, not.
 */
export function lanRequestKey (publicKey: Uint8Array, nospam: Uint8Array): Buffer {
  needLength(publicKey, KEY_BYTES, 'public key')
  needLength(nospam, 4, 'nospam')
  return buf(sodium().crypto_generichash(KEY_BYTES, Buffer.concat([REQUEST_DOMAIN, publicKey, nospam]), null))
}

/**
 * One tag: keyed by `key`, over who sends (so my own beacon, heard back, never matches my
 * friend's tag for me), the beacon's nonce, and the address it asks to be dialled at (so a
 * replayed beacon cannot send us elsewhere).
 */
export function lanTag (key: Uint8Array, sender: Uint8Array, nonce: Uint8Array, address: Uint8Array): Buffer {
  needLength(key, KEY_BYTES, 'tag key')
  const full = sodium().crypto_generichash(16, Buffer.concat([sender, nonce, address]), key)
  return buf(full).subarray(0, LAN_TAG_BYTES)
}
