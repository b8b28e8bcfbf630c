import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair, keyPairFromSeed, randomBytes } from '../../src/crypto/identity.js'
import { openSealed, pseudonymSeed, sealTo } from '../../src/crypto/seal.js'
import { cryptoReady } from '../../src/crypto/sodium.js'

describe('seal', () => {
  beforeAll(cryptoReady)

  it('round trip to an ed25519 identity; 48 bytes of overhead; fresh each time', () => {
    const bob = generateKeyPair()
    const pt = Buffer.from('signed envelope bytes')
    const ct = sealTo(bob.publicKey, pt)
    expect(Buffer.isBuffer(ct)).toBe(true)
    expect(ct.length).toBe(pt.length + 48)
    expect(openSealed(bob, ct)!.equals(pt)).toBe(true)
    expect(sealTo(bob.publicKey, pt).equals(ct)).toBe(false)
    expect(openSealed(bob, sealTo(bob.publicKey, new Uint8Array(0)))!.length).toBe(0)
  })

  it('wrong key, tampering, truncation, garbage → null', () => {
    const bob = generateKeyPair()
    const eve = generateKeyPair()
    const ct = sealTo(bob.publicKey, Buffer.from('hi'))
    expect(openSealed(eve, ct)).toBeNull()
    const t = Buffer.from(ct)
    t[t.length - 1] ^= 1
    expect(openSealed(bob, t)).toBeNull()
    expect(openSealed(bob, ct.subarray(0, 47))).toBeNull()
    expect(openSealed(bob, Buffer.alloc(0))).toBeNull()
    expect(openSealed(bob, randomBytes(100))).toBeNull()
    expect(openSealed(bob, null as unknown as Uint8Array)).toBeNull()
    expect(openSealed({ publicKey: Buffer.alloc(3), secretKey: Buffer.alloc(3) }, ct)).toBeNull()
  })

  it('sealTo refuses a wrong-size or invalid public key with INTERNAL', () => {
    expect(() => sealTo(Buffer.alloc(31), Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
    // y = 2 is not on the curve, so it has no X25519 equivalent.
    const notAPoint = Buffer.alloc(32)
    notAPoint[0] = 2
    expect(() => sealTo(notAPoint, Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
  })

  it('pseudonymSeed: stable per relay, different per relay and per sender, not the identity', () => {
    const alice = keyPairFromSeed(Buffer.alloc(32, 7))
    const relay = Buffer.alloc(32, 0xaa)
    const s = pseudonymSeed(alice.secretKey, relay)
    // Regression vector: BLAKE2b-256(key = seed, 'psst/relay-pseudonym/v1' ‖ relayPublicKey).
    expect(s.toString('hex')).toBe('7c3e3a492acfabdd4bd2f0c5f74620caeea5ae28ab1bc3f911128f4bda1f18e1')
    expect(pseudonymSeed(alice.secretKey, relay).equals(s)).toBe(true)
    expect(pseudonymSeed(alice.secretKey, Buffer.alloc(32, 0xbb)).equals(s)).toBe(false)
    expect(pseudonymSeed(generateKeyPair().secretKey, relay).equals(s)).toBe(false)
    expect(keyPairFromSeed(s).publicKey.equals(alice.publicKey)).toBe(false)
    expect(() => pseudonymSeed(alice.secretKey, Buffer.alloc(31))).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
  })
})
