import { describe, expect, it } from 'vitest'
import { ID_HEX_LENGTH, formatId, idChecksum, isPublicKeyHex, parseId } from '../../src/crypto/id.js'
import { PsstError } from '../../src/errors.js'

// publicKey = 0x00 0x01 … 0x1f, nospam = de ad be ef.
// Checksum by hand (byte i = XOR of bytes i, i+2, … of the 36 bytes):
//   even positions of the key: 0x00^0x02^…^0x1e = 2·(0^1^…^15) = 2·0 = 0x00
//   odd positions of the key:  0x01^0x03^…^0x1f = 16 ones in bit 0 (→0) and 2·(0^…^15) = 0 → 0x00
//   byte 0 = 0x00 ^ 0xde ^ 0xbe = 0x60   (positions 32, 34)
//   byte 1 = 0x00 ^ 0xad ^ 0xef = 0x42   (positions 33, 35)
const PK = Buffer.from(Array.from({ length: 32 }, (_, i) => i))
const NOSPAM = Buffer.from('deadbeef', 'hex')
const ID = '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F' + 'DEADBEEF' + '6042'

// publicKey = 32 × 0xff, nospam = 00 00 00 01:
//   byte 0 = 0xff XOR'd 16 times (0x00) ^ 0x00 ^ 0x00 = 0x00; byte 1 = 0x00 ^ 0x00 ^ 0x01 = 0x01
const ID2 = 'F'.repeat(64) + '00000001' + '0001'

function codeOf (fn: () => unknown): { code: string, message: string } {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(PsstError)
    return { code: (err as PsstError).code, message: (err as PsstError).message }
  }
  throw new Error('expected a PsstError')
}

describe('psst ID', () => {
  it('checksum of the hand-computed vectors', () => {
    expect(idChecksum(Buffer.concat([PK, NOSPAM])).toString('hex')).toBe('6042')
    expect(idChecksum(Buffer.concat([Buffer.alloc(32, 0xff), Buffer.from('00000001', 'hex')])).toString('hex')).toBe('0001')
    expect(idChecksum(Buffer.alloc(36)).toString('hex')).toBe('0000')
  })

  it('formats the hand-computed vectors exactly', () => {
    expect(ID).toHaveLength(ID_HEX_LENGTH)
    expect(formatId(PK, NOSPAM)).toBe(ID)
    expect(formatId(Buffer.alloc(32, 0xff), Buffer.from('00000001', 'hex'))).toBe(ID2)
  })

  it('parses the vectors back', () => {
    const a = parseId(ID)
    expect(a.publicKey.equals(PK)).toBe(true)
    expect(a.nospam.equals(NOSPAM)).toBe(true)
    expect(Buffer.isBuffer(a.publicKey) && a.publicKey.length === 32 && a.nospam.length === 4).toBe(true)
    expect(parseId(ID2).nospam.toString('hex')).toBe('00000001')
  })

  it('round-trips random keys', () => {
    for (let n = 0; n < 50; n++) {
      const pk = Buffer.from(Array.from({ length: 32 }, () => Math.floor(Math.random() * 256)))
      const ns = Buffer.from(Array.from({ length: 4 }, () => Math.floor(Math.random() * 256)))
      const id = formatId(pk, ns)
      expect(id).toMatch(/^[0-9A-F]{76}$/)
      const back = parseId(id)
      expect(back.publicKey.equals(pk) && back.nospam.equals(ns)).toBe(true)
    }
  })

  it('accepts lower case, white space anywhere and the psst: URI', () => {
    const forms = [
      ID.toLowerCase(),
      `  ${ID}\n`,
      ID.slice(0, 30) + '\n  ' + ID.slice(30, 60) + '\r\n' + ID.slice(60),
      ID.replace(/(.{4})/g, '$1 '),
      `psst:${ID}`,
      `PSST:${ID.toLowerCase()}`,
      ` Psst: ${ID.slice(0, 38)}\n${ID.slice(38)} `,
      ID.slice(0, 10) + '\u200b' + ID.slice(10) // zero-width space from a chat client
    ]
    for (const f of forms) expect(parseId(f).publicKey.equals(PK)).toBe(true)
  })

  it('BAD_ID_LENGTH names the length found', () => {
    expect(codeOf(() => parseId(ID.slice(0, 75)))).toEqual({ code: 'BAD_ID_LENGTH', message: 'psst ID must be 76 hex characters, got 75' })
    expect(codeOf(() => parseId(ID + '0'))).toEqual({ code: 'BAD_ID_LENGTH', message: 'psst ID must be 76 hex characters, got 77' })
    expect(codeOf(() => parseId(''))).toEqual({ code: 'BAD_ID_LENGTH', message: 'psst ID must be 76 hex characters, got 0' })
    // A 64-char public key is not an ID.
    expect(codeOf(() => parseId(`psst:${ID.slice(0, 64)}`)).message).toBe('psst ID must be 76 hex characters, got 64')
  })

  it('BAD_ID_HEX names the character and its 1-based position in the ID', () => {
    const g = ID.slice(0, 9) + 'g' + ID.slice(10)
    expect(codeOf(() => parseId(g))).toEqual({ code: 'BAD_ID_HEX', message: "psst ID has a non-hex character 'g' at position 10" })
    const first = 'O' + ID.slice(1)
    expect(codeOf(() => parseId(first)).message).toBe("psst ID has a non-hex character 'O' at position 1")
    // Position counts ID characters only: the scheme and white space are not counted.
    const last = `psst: ${ID.slice(0, 40)}\n${ID.slice(40, 75)}z`
    expect(codeOf(() => parseId(last)).message).toBe("psst ID has a non-hex character 'z' at position 76")
  })

  it('BAD_ID_CHECKSUM on a typo', () => {
    const typo = ID.slice(0, 5) + (ID[5] === 'A' ? 'B' : 'A') + ID.slice(6)
    expect(codeOf(() => parseId(typo))).toEqual({ code: 'BAD_ID_CHECKSUM', message: 'psst ID checksum does not match: check for a typo' })
    expect(codeOf(() => parseId(ID.slice(0, 72) + '6043')).code).toBe('BAD_ID_CHECKSUM')
    expect(codeOf(() => parseId(ID.slice(0, 64) + 'DEADBEEE' + '6042')).code).toBe('BAD_ID_CHECKSUM')
  })

  it('formatId refuses wrong sizes', () => {
    expect(codeOf(() => formatId(Buffer.alloc(31), NOSPAM)).code).toBe('INTERNAL')
    expect(codeOf(() => formatId(PK, Buffer.alloc(3))).code).toBe('INTERNAL')
  })

  it('isPublicKeyHex', () => {
    expect(isPublicKeyHex(PK.toString('hex'))).toBe(true)
    expect(isPublicKeyHex(PK.toString('hex').toUpperCase())).toBe(true)
    expect(isPublicKeyHex(PK.toString('hex').slice(1))).toBe(false)
    expect(isPublicKeyHex(PK.toString('hex') + '00')).toBe(false)
    expect(isPublicKeyHex('g'.repeat(64))).toBe(false)
    expect(isPublicKeyHex(ID)).toBe(false)
  })
})
