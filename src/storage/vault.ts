import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { deriveKey, newKdfParams } from '../crypto/kdf.js'
import { encrypt, decrypt, keyedHash, subkey } from '../crypto/aead.js'
import { HeaderFile, type HeaderRecord } from '../wire/records.js'
import { PsstError } from '../errors.js'
import { recoverRekey } from './rekey-files.js'

/**
 * What separates a plain profile from an encrypted one. Values are sealed with the
 * sublevel and key as associated data, so a value cannot be moved to another key;
 * `index` turns a public key into a LevelDB key that does not reveal it.
 */
export interface Vault {
  readonly encrypted: boolean
  seal (sub: string, key: Uint8Array, value: Buffer): Buffer
  open (sub: string, key: Uint8Array, value: Uint8Array): Buffer | null
  index (publicKey: Uint8Array): Buffer
}

const VERIFIER = Buffer.from('psst-profile-verifier-v1')

export const plainVault: Vault = {
  encrypted: false,
  seal: (_sub, _key, value) => value,
  open: (_sub, _key, value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  index: (publicKey) => Buffer.from(publicKey)
}

function cipherVault (master: Buffer): Vault {
  const valueKey = subkey(master, 1, 'psstvals')
  const indexKey = subkey(master, 2, 'psstkeys')
  const ad = (sub: string, key: Uint8Array): Buffer => Buffer.concat([Buffer.from(sub + '\0'), key])
  return {
    encrypted: true,
    seal: (sub, key, value) => encrypt(valueKey, value, ad(sub, key)),
    open: (sub, key, value) => decrypt(valueKey, value, ad(sub, key)),
    index: (publicKey) => keyedHash(indexKey, publicKey)
  }
}

/** Writes a new header (plain, or with fresh Argon2id parameters) and returns the vault. */
export function createVault (headerPath: string, passphrase: string | null): Vault {
  if (passphrase === null) {
    writeHeader(headerPath, { encrypted: false, salt: Buffer.alloc(16), opslimit: 0, memlimit: 0, verifier: Buffer.alloc(0) })
    return plainVault
  }
  const params = newKdfParams()
  const master = deriveKey(passphrase, params)
  writeHeader(headerPath, { encrypted: true, ...params, verifier: encrypt(master, VERIFIER) })
  return cipherVault(master)
}

export function readHeader (headerPath: string, home: string): HeaderRecord {
  // An interrupted passphrase change is finished (or undone) before anyone reads the header.
  recoverRekey(home)
  if (!existsSync(headerPath)) throw new PsstError('NO_PROFILE', `no psst profile in ${home}; create one with: psst init`)
  const header = HeaderFile.decode(readFileSync(headerPath))
  if (header === null) throw new PsstError('PROFILE_CORRUPT', `the profile header ${headerPath} is damaged; restore it from a backup`)
  return header
}

/** Unlocks a profile. Touches nothing on disk, so a wrong passphrase changes nothing. */
export function unlockVault (header: HeaderRecord, passphrase: string | null): Vault {
  if (!header.encrypted) return plainVault
  if (passphrase === null) throw new PsstError('PASSPHRASE_REQUIRED', 'this profile is encrypted: give its passphrase (prompt, --passphrase-file F or PSST_PASSPHRASE)')
  const master = deriveKey(passphrase, { salt: header.salt, opslimit: header.opslimit, memlimit: header.memlimit })
  const check = decrypt(master, header.verifier)
  if (check === null || !check.equals(VERIFIER)) throw new PsstError('BAD_PASSPHRASE', 'wrong passphrase; nothing was changed')
  return cipherVault(master)
}

function writeHeader (path: string, header: HeaderRecord): void {
  writeFileSync(path, HeaderFile.encode(header), { mode: 0o600, flag: 'wx' })
}
