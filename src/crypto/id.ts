/**
 * The psst ID (docs/design.md, Identity and IDs): publicKey (32) ‖ nospam (4) ‖ checksum (2), written as 76 upper-case hex
 * characters — the Tox ID layout. Pure: no libsodium, so the shells can parse IDs without starting crypto.
 */
import { PsstError } from '../errors.js'

export const ID_HEX_LENGTH = 76
const PUBLIC_KEY_BYTES = 32
const NOSPAM_BYTES = 4
const CHECKSUM_BYTES = 2
const BODY_BYTES = PUBLIC_KEY_BYTES + NOSPAM_BYTES

/** Byte i is the XOR of bytes i, i+2, i+4, … of publicKey ‖ nospam. Catches most single typos. */
export function idChecksum (publicKeyAndNospam: Uint8Array): Buffer {
  if (publicKeyAndNospam.byteLength !== BODY_BYTES) {
    throw PsstError.internal(`psst ID body must be ${BODY_BYTES} bytes, got ${publicKeyAndNospam.byteLength}`)
  }
  const sum = Buffer.alloc(CHECKSUM_BYTES)
  for (let i = 0; i < BODY_BYTES; i++) sum[i % CHECKSUM_BYTES] ^= publicKeyAndNospam[i]
  return sum
}

export function formatId (publicKey: Uint8Array, nospam: Uint8Array): string {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES) {
    throw PsstError.internal(`public key must be ${PUBLIC_KEY_BYTES} bytes, got ${publicKey.byteLength}`)
  }
  if (nospam.byteLength !== NOSPAM_BYTES) {
    throw PsstError.internal(`nospam must be ${NOSPAM_BYTES} bytes, got ${nospam.byteLength}`)
  }
  const body = Buffer.concat([publicKey, nospam])
  return Buffer.concat([body, idChecksum(body)]).toString('hex').toUpperCase()
}

/**
 * Reads an ID as people paste it: any case, white space anywhere (IDs get broken over lines in chat
 * windows and e-mails), optionally as `psst:<ID>`. Errors name the problem; positions are 1-based and
 * count only the ID's own characters, after white space and the `psst:` prefix are removed.
 */
export function parseId (text: string): { publicKey: Buffer, nospam: Buffer } {
  const hex = stripId(String(text))
  if (hex.length !== ID_HEX_LENGTH) {
    throw new PsstError('BAD_ID_LENGTH', `psst ID must be ${ID_HEX_LENGTH} hex characters, got ${hex.length}`)
  }
  const bad = hex.search(/[^0-9a-fA-F]/)
  if (bad !== -1) {
    const ch = String.fromCodePoint(hex.codePointAt(bad) ?? 0)
    throw new PsstError('BAD_ID_HEX', `psst ID has a non-hex character '${ch}' at position ${bad + 1}`)
  }
  const bytes = Buffer.from(hex, 'hex')
  const body = bytes.subarray(0, BODY_BYTES)
  if (!idChecksum(body).equals(bytes.subarray(BODY_BYTES))) {
    throw new PsstError('BAD_ID_CHECKSUM', 'psst ID checksum does not match: check for a typo')
  }
  return {
    publicKey: Buffer.from(bytes.subarray(0, PUBLIC_KEY_BYTES)),
    nospam: Buffer.from(bytes.subarray(PUBLIC_KEY_BYTES, BODY_BYTES))
  }
}

/** True for exactly 64 hex characters (either case): a bare public key, e.g. in `--json` output. */
export function isPublicKeyHex (s: string): boolean {
  return typeof s === 'string' && /^[0-9a-fA-F]{64}$/.test(s)
}

function stripId (text: string): string {
  // Zero-width characters are invisible in a paste but would make a correct ID fail the hex check.
  const compact = text.replace(/[\s\u200b-\u200d\u2060]+/g, '')
  return /^psst:/i.test(compact) ? compact.slice('psst:'.length) : compact
}
