/**
 * Sealed envelopes for a friend's mailbox on a relay (DESIGN.md §4, §8). The relay stores them without
 * learning who sent them or what they say: crypto_box_seal uses a fresh ephemeral sender key each time.
 * Friends are known by their ed25519 identity key, so both ends convert it to X25519 for the box.
 */
import { PsstError } from '../errors.js'
import type { KeyPair } from './identity.js'
import { buf, needLength, sodium } from './sodium.js'

const PUBLIC_KEY_BYTES = 32
const SECRET_KEY_BYTES = 64
const PSEUDONYM_DOMAIN = Buffer.from('psst/relay-pseudonym/v1', 'utf8')

/** Throws INTERNAL if the recipient key is not a usable ed25519 point (it was checked when added). */
export function sealTo (recipientEd25519PublicKey: Uint8Array, plaintext: Uint8Array): Buffer {
  needLength(recipientEd25519PublicKey, PUBLIC_KEY_BYTES, 'recipient public key')
  const s = sodium()
  let curvePk: Uint8Array
  try {
    curvePk = s.crypto_sign_ed25519_pk_to_curve25519(recipientEd25519PublicKey)
  } catch {
    throw PsstError.internal('cannot seal to this public key: it is not a valid ed25519 key')
  }
  return buf(s.crypto_box_seal(plaintext, curvePk))
}

/** Null when the envelope is not for this key pair, was tampered with, or is malformed: never throws. */
export function openSealed (keyPair: KeyPair, ciphertext: Uint8Array): Buffer | null {
  if (!(ciphertext instanceof Uint8Array)) return null
  try {
    const s = sodium()
    const curvePk = s.crypto_sign_ed25519_pk_to_curve25519(keyPair.publicKey)
    const curveSk = s.crypto_sign_ed25519_sk_to_curve25519(keyPair.secretKey)
    try {
      return buf(s.crypto_box_seal_open(ciphertext, curvePk, curveSk))
    } finally {
      s.memzero(curveSk)
    }
  } catch {
    return null
  }
}

/**
 * Seed of the key pair a sender uses toward one relay (DESIGN.md §8): the same for every visit to that
 * relay, so per-sender quotas work, yet unlinkable to the identity and different at every relay.
 * Keyed by the 32-byte ed25519 seed (the first half of the secret key), the true secret.
 */
export function pseudonymSeed (secretKey: Uint8Array, relayPublicKey: Uint8Array): Buffer {
  needLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  needLength(relayPublicKey, PUBLIC_KEY_BYTES, 'relay public key')
  const message = Buffer.concat([PSEUDONYM_DOMAIN, relayPublicKey])
  return buf(sodium().crypto_generichash(32, message, secretKey.subarray(0, 32)))
}
