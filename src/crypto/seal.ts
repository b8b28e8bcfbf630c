/**
 * Sealed envelopes for a friend's mailbox on a relay (docs/relay.md). The relay stores them without
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
 * Seed of the key pair a sender uses toward one relay (docs/relay.md): the same for every visit to that
 * relay, so per-sender quotas work, yet unlinkable to the identity and different at every relay.
 * Keyed by the 32-byte ed25519 seed (the first half of the secret key), the true secret.
 */
export function pseudonymSeed (secretKey: Uint8Array, relayPublicKey: Uint8Array): Buffer {
  needLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  needLength(relayPublicKey, PUBLIC_KEY_BYTES, 'relay public key')
  const message = Buffer.concat([PSEUDONYM_DOMAIN, relayPublicKey])
  return buf(sodium().crypto_generichash(32, message, secretKey.subarray(0, 32)))
}

const CAPABILITY_DOMAIN = Buffer.from('psst/deposit-capability/v1', 'utf8')

/**
 * Seed of the key a friend deposits with at an owner's relay (docs/relay.md, Deposit capabilities; issue 15). Both ends
 * compute it without sending anything: it is keyed by the X25519 secret the owner and the friend
 * share (from their ed25519 identities), and bound to the owner and the relay, so the friend's
 * capability for my mailbox differs from mine for theirs and from the one at any other relay. The
 * owner registers only the public half with the relay; nobody but the two friends can derive it,
 * and the relay cannot link it to the friend's identity.
 */
export function depositCapabilitySeed (mySecretKey: Uint8Array, theirPublicKey: Uint8Array, ownerPublicKey: Uint8Array, relayPublicKey: Uint8Array): Buffer {
  needLength(mySecretKey, SECRET_KEY_BYTES, 'secret key')
  needLength(theirPublicKey, PUBLIC_KEY_BYTES, 'friend public key')
  needLength(ownerPublicKey, PUBLIC_KEY_BYTES, 'owner public key')
  needLength(relayPublicKey, PUBLIC_KEY_BYTES, 'relay public key')
  const s = sodium()
  let shared: Uint8Array | null = null
  const curveSk = s.crypto_sign_ed25519_sk_to_curve25519(mySecretKey)
  try {
    shared = s.crypto_scalarmult(curveSk, s.crypto_sign_ed25519_pk_to_curve25519(theirPublicKey))
    return buf(s.crypto_generichash(32, Buffer.concat([CAPABILITY_DOMAIN, ownerPublicKey, relayPublicKey]), shared))
  } catch {
    throw PsstError.internal('cannot derive a deposit capability for this key: it is not a valid ed25519 key')
  } finally {
    s.memzero(curveSk)
    if (shared !== null) s.memzero(shared)
  }
}
