/**
 * The envelope a sender leaves at a friend's mailbox (docs/relay.md):
 *
 *   crypto_box_seal(owner, version | sign(domain ‖ owner ‖ inner) | inner)
 *
 * inner names the sender's stream, so the signature binds the message to one friendship.
 *
 * The seal hides everything from the relay, including who sent it (inner.from is inside). The
 * signature lets the owner check the sender and that the envelope was made for them, so a friend
 * cannot re-seal a message it received to someone else as if it came from the original sender.
 */
import type { KeyPair } from '../crypto/identity.js'
import type { ChatMessage } from '../wire/frames.js'
import { sign, verify } from '../crypto/identity.js'
import { sealTo, openSealed } from '../crypto/seal.js'
import { encodeInner, decodeInner, encodeSigned, decodeSigned, signedMessage } from '../wire/mailbox.js'

/** `stream`: the sender's stream the message's seq counts (docs/design.md, Delivery). */
export interface OpenedEnvelope { from: Buffer, stream: Buffer, message: ChatMessage }

export function sealEnvelope (sender: KeyPair, owner: Buffer, stream: Buffer, msg: ChatMessage): Buffer {
  const innerBytes = encodeInner({ from: sender.publicKey, stream, id: msg.id, seq: msg.seq, sentAt: msg.sentAt, kind: msg.kind, body: msg.body })
  const signature = sign(signedMessage(owner, innerBytes), sender.secretKey)
  return sealTo(owner, encodeSigned(signature, innerBytes))
}

/** Null when the envelope is not for `owner`, is malformed, or its signature does not hold. */
export function openEnvelope (owner: KeyPair, sealed: Uint8Array): OpenedEnvelope | null {
  const plain = openSealed(owner, sealed)
  if (plain === null) return null
  const signed = decodeSigned(plain)
  if (signed === null) return null
  const inner = decodeInner(signed.inner, signed.version)
  if (inner === null) return null
  if (!verify(signed.signature, signedMessage(owner.publicKey, signed.inner, signed.version), inner.from)) return null
  const { from, stream, ...message } = inner
  return { from, stream, message }
}
