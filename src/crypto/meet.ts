/**
 * Keys for presence privacy (docs/design.md, Presence privacy): where friends meet and where a
 * friend request may be delivered, so that nothing on the DHT is found under an identity key.
 *
 * - A friendship secret: the X25519 secret two friends share (from their ed25519 identities),
 *   hashed with a domain. Only the two of them can compute it.
 * - A meeting record per direction: the key pair under which `owner` publishes its pointer for the
 *   friend, and the key that encrypts the pointer. Bound to the owner, so my record for you and
 *   yours for me are different DHT targets.
 * - A request key from a public key and a nospam: anyone holding the full ID can compute it, nobody
 *   with the public key alone can, and it changes with the nospam.
 */
import { createHash } from 'node:crypto'
import { PsstError } from '../errors.js'
import { keyPairFromSeed, type KeyPair } from './identity.js'
import { buf, needLength, sodium } from './sodium.js'

const FRIENDSHIP_DOMAIN = Buffer.from('psst/friendship/v1', 'utf8')
const RECORD_KEY_DOMAIN = Buffer.from('psst/meeting-record-key/v1', 'utf8')
const RECORD_BOX_DOMAIN = Buffer.from('psst/meeting-record-box/v1', 'utf8')
const REQUEST_DOMAIN = Buffer.from('psst/request-key/v1', 'utf8')

/** The secret only I and `theirPublicKey` can compute; the same on both ends. */
export function friendshipSecret (mySecretKey: Uint8Array, theirPublicKey: Uint8Array): Buffer {
  needLength(mySecretKey, 64, 'secret key')
  needLength(theirPublicKey, 32, 'friend public key')
  const s = sodium()
  const curveSk = s.crypto_sign_ed25519_sk_to_curve25519(mySecretKey)
  let shared: Uint8Array | null = null
  try {
    shared = s.crypto_scalarmult(curveSk, s.crypto_sign_ed25519_pk_to_curve25519(theirPublicKey))
    return buf(s.crypto_generichash(32, FRIENDSHIP_DOMAIN, shared))
  } catch {
    throw PsstError.internal('cannot derive a friendship secret for this key: it is not a valid ed25519 key')
  } finally {
    s.memzero(curveSk)
    if (shared !== null) s.memzero(shared)
  }
}

/** The key pair `owner`'s pointer for this friendship is published (signed) under. */
export function meetingRecordKeyPair (secret: Uint8Array, ownerPublicKey: Uint8Array): KeyPair {
  return keyPairFromSeed(domainHash(RECORD_KEY_DOMAIN, secret, ownerPublicKey))
}

/** The key that encrypts `owner`'s pointer for this friendship. */
export function meetingRecordBoxKey (secret: Uint8Array, ownerPublicKey: Uint8Array): Buffer {
  return domainHash(RECORD_BOX_DOMAIN, secret, ownerPublicKey)
}

/**
 * The seed of the key pair a profile takes friend requests on while `nospam` is current (the pair
 * is hyperdht's keyPair(seed), src/net/dht-node.ts). Anyone holding the full ID can compute it;
 * what it protects is the identity key, which is never announced
 * (docs/design.md, Presence privacy). SHA-256 from node, not libsodium: a daemon listens on it
 * before libsodium is loaded.
 */
export function requestKeySeed (publicKey: Uint8Array, nospam: Uint8Array): Buffer {
  if (publicKey.byteLength !== 32 || nospam.byteLength !== 4) throw PsstError.internal('a request key needs a 32-byte public key and a 4-byte nospam')
  return createHash('sha256').update(REQUEST_DOMAIN).update(publicKey).update(nospam).digest()
}

function domainHash (domain: Buffer, secret: Uint8Array, ownerPublicKey: Uint8Array): Buffer {
  needLength(secret, 32, 'friendship secret')
  needLength(ownerPublicKey, 32, 'owner public key')
  return buf(sodium().crypto_generichash(32, Buffer.concat([domain, ownerPublicKey]), secret))
}
