import { describe, it, expect, beforeAll } from 'vitest'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, keyPairFromSeed, randomBytes, sign, type KeyPair } from '../../src/crypto/identity.js'
import { sealTo, pseudonymSeed } from '../../src/crypto/seal.js'
import { sealEnvelope, openEnvelope } from '../../src/mailbox/envelope.js'
import { encodeInner, encodeSigned, signedMessage, MAX_ENVELOPE_BYTES } from '../../src/wire/mailbox.js'
import { MAX_MESSAGE_BYTES } from '../../src/wire/limits.js'
import type { ChatMessage } from '../../src/wire/frames.js'

describe('mailbox envelope', () => {
  let alice: KeyPair
  let bob: KeyPair
  let eve: KeyPair
  let msg: ChatMessage
  const stream = Buffer.alloc(16, 0x5e)

  beforeAll(async () => {
    await cryptoReady()
    alice = generateKeyPair()
    bob = generateKeyPair()
    eve = generateKeyPair()
    msg = { id: randomBytes(16), seq: 3, sentAt: 1_700_000_000_123, kind: 'text', body: 'for bob only ✉' }
  })

  it('the owner opens it and learns sender and message', () => {
    const opened = openEnvelope(bob, sealEnvelope(alice, bob.publicKey, stream, msg))
    expect(opened?.from.equals(alice.publicKey)).toBe(true)
    expect(opened?.message).toEqual(msg)
    expect(opened?.stream.equals(stream)).toBe(true)
  })

  it('the stream is signed: an envelope whose stream was changed does not verify', () => {
    const inner = encodeInner({ from: alice.publicKey, stream, ...msg })
    const signature = sign(signedMessage(bob.publicKey, inner), alice.secretKey)
    const moved = Buffer.from(inner)
    moved[32] ^= 1
    expect(openEnvelope(bob, sealTo(bob.publicKey, encodeSigned(signature, inner)))?.stream.equals(stream)).toBe(true)
    expect(openEnvelope(bob, sealTo(bob.publicKey, encodeSigned(signature, moved)))).toBeNull()
  })

  it('two seals of the same message differ, and neither shows the text or the sender', () => {
    const a = sealEnvelope(alice, bob.publicKey, stream, msg)
    const b = sealEnvelope(alice, bob.publicKey, stream, msg)
    expect(a.equals(b)).toBe(false)
    expect(a.includes(Buffer.from(msg.body))).toBe(false)
    expect(a.includes(alice.publicKey)).toBe(false)
  })

  it('a full-size message fits the relay limit', () => {
    const big = sealEnvelope(alice, bob.publicKey, stream, { ...msg, body: 'é'.repeat(MAX_MESSAGE_BYTES / 2) })
    expect(big.byteLength).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES)
    expect(openEnvelope(bob, big)?.message.body.length).toBe(MAX_MESSAGE_BYTES / 2)
  })

  it('nobody else can open it; tampering and garbage give null, never a throw', () => {
    const sealed = sealEnvelope(alice, bob.publicKey, stream, msg)
    expect(openEnvelope(eve, sealed)).toBeNull()
    for (const i of [0, 40, sealed.byteLength - 1]) {
      const t = Buffer.from(sealed)
      t[i] ^= 1
      expect(openEnvelope(bob, t)).toBeNull()
    }
    expect(openEnvelope(bob, Buffer.alloc(0))).toBeNull()
    expect(openEnvelope(bob, randomBytes(200))).toBeNull()
  })

  it('a message re-sealed to someone else does not verify (the signature names the owner)', () => {
    // Eve received a genuine envelope from alice and re-seals its content to carol.
    const carol = generateKeyPair()
    const inner = encodeInner({ from: alice.publicKey, stream, ...msg })
    const signature = sign(signedMessage(eve.publicKey, inner), alice.secretKey)
    expect(openEnvelope(carol, sealTo(carol.publicKey, encodeSigned(signature, inner)))).toBeNull()
  })

  it('a forged sender fails verification', () => {
    const inner = encodeInner({ from: alice.publicKey, stream, ...msg })
    const signature = sign(signedMessage(bob.publicKey, inner), eve.secretKey)
    expect(openEnvelope(bob, sealTo(bob.publicKey, encodeSigned(signature, inner)))).toBeNull()
  })

  it('pseudonyms: stable per relay, different across relays, unlinkable to the identity', () => {
    const r1 = generateKeyPair().publicKey
    const r2 = generateKeyPair().publicKey
    const p1 = keyPairFromSeed(pseudonymSeed(alice.secretKey, r1))
    expect(keyPairFromSeed(pseudonymSeed(alice.secretKey, r1)).publicKey.equals(p1.publicKey)).toBe(true)
    expect(keyPairFromSeed(pseudonymSeed(alice.secretKey, r2)).publicKey.equals(p1.publicKey)).toBe(false)
    expect(p1.publicKey.equals(alice.publicKey)).toBe(false)
  })
})
