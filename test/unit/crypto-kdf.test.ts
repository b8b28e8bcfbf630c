import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deriveKey, newKdfParams, testKdfAllowed, kdfStrength, type KdfParams } from '../../src/crypto/kdf.js'
import { cryptoReady, sodium } from '../../src/crypto/sodium.js'

describe('kdf (Argon2id, interactive limits to keep the test fast)', () => {
  const saved = process.env.PSST_KDF
  beforeAll(async () => {
    await cryptoReady()
    process.env.PSST_KDF = 'interactive'
  })
  afterEach(() => { process.env.PSST_KDF = 'interactive' })
  afterAll(() => { if (saved === undefined) delete process.env.PSST_KDF; else process.env.PSST_KDF = saved })

  it('newKdfParams: 16-byte random salt; MODERATE by default, INTERACTIVE with PSST_KDF=interactive', () => {
    const s = sodium()
    const a = newKdfParams()
    expect(a.salt.length).toBe(16)
    expect(newKdfParams().salt.equals(a.salt)).toBe(false)
    expect(a.opslimit).toBe(s.crypto_pwhash_OPSLIMIT_INTERACTIVE)
    expect(a.memlimit).toBe(s.crypto_pwhash_MEMLIMIT_INTERACTIVE)
    delete process.env.PSST_KDF
    const m = newKdfParams()
    expect(m.opslimit).toBe(s.crypto_pwhash_OPSLIMIT_MODERATE)
    expect(m.memlimit).toBe(s.crypto_pwhash_MEMLIMIT_MODERATE)
  })

  it('PSST_KDF=interactive is honoured only under a test runner, and the strength is named from the header', () => {
    expect(testKdfAllowed({ PSST_KDF: 'interactive' })).toBe(false)
    expect(testKdfAllowed({ PSST_KDF: 'interactive', NODE_ENV: 'production' })).toBe(false)
    expect(testKdfAllowed({ PSST_KDF: 'interactive', VITEST: 'true' })).toBe(true)
    expect(testKdfAllowed({ PSST_KDF: 'interactive', NODE_ENV: 'test' })).toBe(true)
    expect(testKdfAllowed({ VITEST: 'true' })).toBe(false)
    const s = sodium()
    expect(kdfStrength(s.crypto_pwhash_OPSLIMIT_INTERACTIVE, s.crypto_pwhash_MEMLIMIT_INTERACTIVE)).toBe('interactive')
    expect(kdfStrength(s.crypto_pwhash_OPSLIMIT_MODERATE, s.crypto_pwhash_MEMLIMIT_MODERATE)).toBe('moderate')
    expect(kdfStrength(s.crypto_pwhash_OPSLIMIT_SENSITIVE, s.crypto_pwhash_MEMLIMIT_SENSITIVE)).toBe('sensitive')
    expect(kdfStrength(5, 1 << 20)).toBe('custom')
  })

  it('deterministic for the same passphrase and params; differs otherwise', () => {
    const p = newKdfParams()
    const k = deriveKey('correct horse', p)
    expect(k.length).toBe(32)
    expect(Buffer.isBuffer(k)).toBe(true)
    expect(deriveKey('correct horse', p).equals(k)).toBe(true)
    expect(deriveKey('correct horsf', p).equals(k)).toBe(false)
    expect(deriveKey('correct horse', { ...p, salt: Buffer.alloc(16, 1) }).equals(k)).toBe(false)
    expect(deriveKey('correct horse', { ...p, opslimit: p.opslimit + 1 }).equals(k)).toBe(false)
  })

  it('is Argon2id13 with the stored params (regression vector)', () => {
    const s = sodium()
    const p: KdfParams = { salt: Buffer.alloc(16), opslimit: s.crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit: s.crypto_pwhash_MEMLIMIT_INTERACTIVE }
    expect(p.opslimit).toBe(2)
    expect(p.memlimit).toBe(64 * 1024 * 1024)
    expect(deriveKey('pw', p).toString('hex')).toBe('009059b9d60bd9f05b84d5f2f1dd7a01cfd0b4142c450c98b71471e3bd2f2561')
  })

  it('normalises the passphrase (composed and decomposed é give the same key)', () => {
    const p = newKdfParams()
    expect(deriveKey('caf\u00e9', p).equals(deriveKey('cafe\u0301', p))).toBe(true)
  })

  it('out-of-range params (a corrupt header) → PROFILE_CORRUPT, without trying to allocate', () => {
    const p = newKdfParams()
    const bad: KdfParams[] = [
      { ...p, salt: Buffer.alloc(15) },
      { ...p, opslimit: 0 },
      { ...p, opslimit: 1e9 },
      { ...p, opslimit: 2.5 },
      { ...p, memlimit: 1 },
      { ...p, memlimit: 2 ** 40 }
    ]
    for (const b of bad) expect(() => deriveKey('x', b)).toThrow(expect.objectContaining({ code: 'PROFILE_CORRUPT' }))
  })
})
