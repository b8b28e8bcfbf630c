import { beforeAll, describe, expect, it, vi } from 'vitest'
// @ts-ignore hyperdht ships no types; this test only needs DHT.keyPair (src/types/hyperdht.d.ts is owned elsewhere)
import DHT from 'hyperdht'
import { fromHex, generateKeyPair, keyPairFromSeed, randomBytes, sign, toHex, verify } from '../../src/crypto/identity.js'
import { cryptoReady, sodium } from '../../src/crypto/sodium.js'

// RFC 8032 §7.1, TEST 1 (empty message).
const RFC = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
}

describe('sodium()', () => {
  it('throws INTERNAL before cryptoReady() and works after; cryptoReady is idempotent', async () => {
    vi.resetModules()
    const fresh = await import('../../src/crypto/sodium.js')
    expect(() => fresh.sodium()).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
    await Promise.all([fresh.cryptoReady(), fresh.cryptoReady()])
    await fresh.cryptoReady()
    expect(typeof fresh.sodium().crypto_sign_keypair).toBe('function')
  })
})

describe('identity', () => {
  beforeAll(cryptoReady)

  it('keyPairFromSeed matches the RFC 8032 vector', () => {
    const kp = keyPairFromSeed(fromHex(RFC.seed)!)
    expect(toHex(kp.publicKey)).toBe(RFC.publicKey)
    expect(toHex(kp.secretKey)).toBe(RFC.seed + RFC.publicKey)
    expect(Buffer.isBuffer(kp.publicKey) && Buffer.isBuffer(kp.secretKey)).toBe(true)
    expect(toHex(sign(new Uint8Array(0), kp.secretKey))).toBe(RFC.signature)
    expect(verify(fromHex(RFC.signature)!, new Uint8Array(0), kp.publicKey)).toBe(true)
  })

  it('keyPairFromSeed equals hyperdht DHT.keyPair(seed)', () => {
    const seeds = [fromHex(RFC.seed)!, Buffer.alloc(32), Buffer.alloc(32, 0xff), randomBytes(32), randomBytes(32)]
    for (const seed of seeds) {
      const ours = keyPairFromSeed(seed)
      const theirs = DHT.keyPair(seed) as { publicKey: Buffer, secretKey: Buffer }
      expect(ours.publicKey.equals(theirs.publicKey)).toBe(true)
      expect(ours.secretKey.equals(theirs.secretKey)).toBe(true)
    }
  })

  it('keyPairFromSeed refuses a wrong-size seed with INTERNAL', () => {
    expect(() => keyPairFromSeed(Buffer.alloc(31))).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
  })

  it('generateKeyPair gives Buffers of 32/64 bytes whose secret key embeds the public key', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    expect(a.publicKey.length).toBe(32)
    expect(a.secretKey.length).toBe(64)
    expect(a.secretKey.subarray(32).equals(a.publicKey)).toBe(true)
    expect(a.publicKey.equals(b.publicKey)).toBe(false)
    expect(keyPairFromSeed(a.secretKey.subarray(0, 32)).publicKey.equals(a.publicKey)).toBe(true)
  })

  it('sign/verify round trip; wrong key or message fails', () => {
    const kp = generateKeyPair()
    const other = generateKeyPair()
    const msg = Buffer.from('hello psst')
    const sig = sign(msg, kp.secretKey)
    expect(sig.length).toBe(64)
    expect(verify(sig, msg, kp.publicKey)).toBe(true)
    expect(verify(sig, Buffer.from('hello psst!'), kp.publicKey)).toBe(false)
    expect(verify(sig, msg, other.publicKey)).toBe(false)
    const flipped = Buffer.from(sig)
    flipped[10] ^= 1
    expect(verify(flipped, msg, kp.publicKey)).toBe(false)
  })

  it('verify returns false on garbage without throwing', () => {
    const kp = generateKeyPair()
    const msg = Buffer.from('x')
    const sig = sign(msg, kp.secretKey)
    const garbage: unknown[] = [null, undefined, 'abc', 42, {}, [], Buffer.alloc(0), Buffer.alloc(63), Buffer.alloc(65)]
    for (const g of garbage) {
      expect(verify(g as Uint8Array, msg, kp.publicKey)).toBe(false)
      expect(verify(sig, msg, g as Uint8Array)).toBe(false)
      expect(verify(sig, g as Uint8Array, kp.publicKey)).toBe(false)
    }
    expect(verify(Buffer.alloc(64), msg, Buffer.alloc(32))).toBe(false)
    expect(verify(randomBytes(64), msg, Buffer.alloc(32, 0xff))).toBe(false)
  })

  it('randomBytes, toHex, fromHex', () => {
    const r = randomBytes(16)
    expect(Buffer.isBuffer(r) && r.length === 16).toBe(true)
    expect(randomBytes(16).equals(r)).toBe(false)
    expect(toHex(new Uint8Array([0, 0xab, 0xff]))).toBe('00abff')
    expect(fromHex('00ABff')!.equals(Buffer.from([0, 0xab, 0xff]))).toBe(true)
    expect(fromHex('')!.length).toBe(0)
    expect(fromHex('abc')).toBeNull()
    expect(fromHex('zz')).toBeNull()
    expect(fromHex('00 1')).toBeNull()
    expect(fromHex('0x00')).toBeNull()
  })

  it('sodium() returns the ready library', () => {
    expect(sodium().crypto_sign_PUBLICKEYBYTES).toBe(32)
  })
})
