/**
 * The one-time link code (docs/devices.md, Linking): 16 random bytes, shown as 32 hex digits in
 * groups of four. Both devices derive from it the key pair the waiting device listens on, so only
 * someone who holds the code can find the waiting device, and the Noise handshake to that key
 * proves to the linked device that it reached the one that showed the code.
 */
import { keyPairFromSeed, randomBytes, type KeyPair } from '../crypto/identity.js'
import { blake2b256 } from '../crypto/hash.js'
import { PsstError } from '../errors.js'

const CODE_BYTES = 16
const DOMAIN = Buffer.from('psst device link v1\0')

export function newLinkCode (): string {
  return formatLinkCode(randomBytes(CODE_BYTES))
}

export function formatLinkCode (secret: Buffer): string {
  return (secret.toString('hex').match(/.{4}/g) ?? []).join('-')
}

/** Reads a code as people copy it: any case, dashes or spaces anywhere. */
export function parseLinkCode (text: string): Buffer {
  const hex = String(text).replace(/[\s-]+/g, '').toLowerCase()
  if (!/^[0-9a-f]{32}$/.test(hex)) {
    throw new PsstError('BAD_LINK_CODE', 'a link code is 32 hex digits (as psst device link printed it on the new device); check it and try again')
  }
  return Buffer.from(hex, 'hex')
}

/** The key pair the waiting device listens on (libsodium must be ready). */
export function linkKeyPair (code: string): KeyPair {
  return keyPairFromSeed(blake2b256(Buffer.concat([DOMAIN, parseLinkCode(code)])))
}
