import { beforeAll, describe, expect, it } from 'vitest'
import { decrypt, encrypt, keyedHash, subkey } from '../../src/crypto/aead.js'
import { randomBytes } from '../../src/crypto/identity.js'
import { cryptoReady } from '../../src/crypto/sodium.js'

describe('aead', () => {
  beforeAll(cryptoReady)
  const key = Buffer.alloc(32, 7)

  it('round trip, with and without associated data; layout is nonce ‖ ciphertext+tag', () => {
    const pt = Buffer.from('the secret key of alice')
    const ct = encrypt(key, pt)
    expect(Buffer.isBuffer(ct)).toBe(true)
    expect(ct.length).toBe(24 + pt.length + 16)
    expect(decrypt(key, ct)!.equals(pt)).toBe(true)
    const ad = Buffer.from('friends!abcd')
    expect(decrypt(key, encrypt(key, pt, ad), ad)!.equals(pt)).toBe(true)
    expect(decrypt(key, encrypt(key, new Uint8Array(0)))!.length).toBe(0)
  })

  it('fresh nonce each time', () => {
    const pt = Buffer.from('same')
    expect(encrypt(key, pt).equals(encrypt(key, pt))).toBe(false)
  })

  it('tampering, wrong key, wrong or missing ad → null, never throws', () => {
    const pt = Buffer.from('hello')
    const ad = Buffer.from('k1')
    const ct = encrypt(key, pt, ad)
    for (let i = 0; i < ct.length; i++) {
      const t = Buffer.from(ct)
      t[i] ^= 0x01
      expect(decrypt(key, t, ad)).toBeNull()
    }
    expect(decrypt(Buffer.alloc(32, 8), ct, ad)).toBeNull()
    expect(decrypt(key, ct, Buffer.from('k2'))).toBeNull()
    expect(decrypt(key, ct)).toBeNull()
    expect(decrypt(key, ct.subarray(0, ct.length - 1), ad)).toBeNull()
    expect(decrypt(key, Buffer.alloc(0))).toBeNull()
    expect(decrypt(key, Buffer.alloc(39))).toBeNull()
    expect(decrypt(Buffer.alloc(31), ct, ad)).toBeNull()
    expect(decrypt(key, null as unknown as Uint8Array)).toBeNull()
  })

  it('encrypt refuses a wrong-size key with INTERNAL', () => {
    expect(() => encrypt(Buffer.alloc(16), Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
  })

  it('keyedHash: 32 bytes, deterministic, depends on the key (BLAKE2b regression vector)', () => {
    const h = keyedHash(Buffer.alloc(32, 1), Buffer.from('abc'))
    expect(h.toString('hex')).toBe('8cc77af752046919e25cca7b87a17aaa67fb6aad75964f730a1c2178c986505c')
    expect(keyedHash(Buffer.alloc(32, 1), Buffer.from('abc')).equals(h)).toBe(true)
    expect(keyedHash(Buffer.alloc(32, 2), Buffer.from('abc')).equals(h)).toBe(false)
  })

  it('subkey: 32 bytes, differs per id and context, needs an 8-char context', () => {
    const master = Buffer.alloc(32, 2)
    const k = subkey(master, 1, 'psstdata')
    expect(k.toString('hex')).toBe('b534edc3785f1d05c034b503620206fdabc439d3782f59ddfc3115fbba6d2294')
    expect(subkey(master, 2, 'psstdata').equals(k)).toBe(false)
    expect(subkey(master, 1, 'psstkeys').equals(k)).toBe(false)
    expect(subkey(randomBytes(32), 1, 'psstdata').equals(k)).toBe(false)
    expect(() => subkey(master, 1, 'short')).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
    expect(() => subkey(master, 1, 'toolongctx')).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
    expect(() => subkey(master, -1, 'psstdata')).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
  })
})
