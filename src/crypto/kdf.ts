/**
 * Passphrase → 32-byte key with Argon2id (docs/design.md, Storage). The parameters are stored in the profile
 * header, so a profile made with one setting still opens after the defaults change.
 */
import { PsstError } from '../errors.js'
import { buf, sodium } from './sodium.js'

export interface KdfParams { salt: Buffer, opslimit: number, memlimit: number }

export const KDF_SALT_BYTES = 16
export const KDF_KEY_BYTES = 32
// A header asking for more than this is corrupt or hostile: refuse rather than try to allocate it.
const MAX_OPSLIMIT = 16

/**
 * Whether this process may use the fast INTERACTIVE limits: only under a test runner (vitest
 * sets VITEST, and NODE_ENV=test is the common convention), and only when PSST_KDF=interactive
 * asks for them. Outside tests the variable is ignored: an environment variable left set in a
 * shell must never weaken a real profile's passphrase (docs/design.md, Storage).
 */
export function testKdfAllowed (env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PSST_KDF === 'interactive' && (env.VITEST !== undefined || env.NODE_ENV === 'test')
}

/** Fresh salt and the MODERATE limits (INTERACTIVE under tests, see testKdfAllowed). */
export function newKdfParams (): KdfParams {
  const s = sodium()
  const fast = testKdfAllowed()
  return {
    salt: buf(s.randombytes_buf(KDF_SALT_BYTES)),
    opslimit: fast ? s.crypto_pwhash_OPSLIMIT_INTERACTIVE : s.crypto_pwhash_OPSLIMIT_MODERATE,
    memlimit: fast ? s.crypto_pwhash_MEMLIMIT_INTERACTIVE : s.crypto_pwhash_MEMLIMIT_MODERATE
  }
}

export type KdfStrength = 'interactive' | 'moderate' | 'sensitive' | 'custom'

/** libsodium's named limit sets (crypto_pwhash_*_INTERACTIVE/MODERATE/SENSITIVE), without loading it. */
const NAMED: Array<{ name: KdfStrength, opslimit: number, memlimit: number }> = [
  { name: 'interactive', opslimit: 2, memlimit: 64 * 1024 * 1024 },
  { name: 'moderate', opslimit: 3, memlimit: 256 * 1024 * 1024 },
  { name: 'sensitive', opslimit: 4, memlimit: 1024 * 1024 * 1024 }
]

/** Which named set a header's parameters are (what `psst id` reports). */
export function kdfStrength (opslimit: number, memlimit: number): KdfStrength {
  return NAMED.find((n) => n.opslimit === opslimit && n.memlimit === memlimit)?.name ?? 'custom'
}

/**
 * Deterministic for the same passphrase and params. The passphrase is NFC-normalised first so the same
 * text typed on another keyboard or OS (composed vs decomposed accents) gives the same key.
 * Throws PROFILE_CORRUPT when the params are out of range (they come from a file on disk).
 */
export function deriveKey (passphrase: string, params: KdfParams): Buffer {
  const s = sodium()
  checkParams(params)
  const key = s.crypto_pwhash(KDF_KEY_BYTES, passphrase.normalize('NFC'), params.salt,
    params.opslimit, params.memlimit, s.crypto_pwhash_ALG_ARGON2ID13)
  return buf(key)
}

function checkParams (p: KdfParams): void {
  const s = sodium()
  const ok = p.salt instanceof Uint8Array && p.salt.byteLength === KDF_SALT_BYTES &&
    Number.isInteger(p.opslimit) && p.opslimit >= s.crypto_pwhash_OPSLIMIT_MIN && p.opslimit <= MAX_OPSLIMIT &&
    Number.isInteger(p.memlimit) && p.memlimit >= s.crypto_pwhash_MEMLIMIT_MIN &&
    p.memlimit <= s.crypto_pwhash_MEMLIMIT_SENSITIVE
  if (!ok) throw new PsstError('PROFILE_CORRUPT', 'the profile header has invalid key-derivation parameters')
}
