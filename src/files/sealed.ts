/**
 * Transfer records at rest, sealed for a passphrase profile: `<home>/files` holds who sent what
 * (friend keys, file names, paths, block hashes), as private as the chat history. The key is a
 * random one kept in the profile DB under the vault (src/storage/profile-store.ts, filesKey), so
 * a passphrase change re-seals that one key with the rest of the DB and these files never need
 * rewriting. A plain profile keeps them plain, as it keeps its DB. Sealed bytes are bound to what
 * they are and to which transfer (associated data), so one record cannot stand in for another.
 */
import { encrypt, decrypt, AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from '../crypto/aead.js'

const MAGIC = Buffer.from('PSSTSEAL', 'latin1')

/** Bytes that sealing adds to a region inside a file (no magic there: the file's header says). */
export const SEAL_OVERHEAD = AEAD_NONCE_BYTES + AEAD_TAG_BYTES

export interface Sealer {
  /** New writes are sealed (a passphrase profile). */
  readonly encrypted: boolean
  /** A whole file's bytes, sealed when `encrypted`. */
  seal (what: string, id: string, bytes: Buffer): Buffer
  /**
   * A whole file's bytes opened, and whether they were sealed: a file written under the other
   * setting (before sealing existed, or before `psst passwd` changed it) is rewritten by the
   * caller. null: damaged, or sealed and no key.
   */
  open (what: string, id: string, bytes: Buffer): { bytes: Buffer, sealed: boolean } | null
  /** A region inside a file (the part file's manifest and hashes): no magic, the file's header says. */
  sealRegion (what: string, id: string, bytes: Buffer): Buffer
  openRegion (what: string, id: string, bytes: Buffer): Buffer | null
}

/**
 * `key`: the profile's files key, if it has one (a profile made plain by `psst passwd` keeps it,
 * to read what was sealed before); `encrypted`: whether new writes are sealed.
 */
export function makeSealer (key: Buffer | null, encrypted: boolean): Sealer {
  if (encrypted && key === null) throw new Error('a passphrase profile seals its transfer records: a key is needed')
  const ad = (what: string, id: string): Buffer => Buffer.from(`psst-files\0${what}\0${id}`)
  return {
    encrypted,
    seal: (what, id, bytes) => encrypted ? Buffer.concat([MAGIC, encrypt(key!, bytes, ad(what, id))]) : bytes,
    open (what, id, bytes) {
      if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { bytes, sealed: false }
      const opened = key === null ? null : decrypt(key, bytes.subarray(MAGIC.length), ad(what, id))
      return opened === null ? null : { bytes: opened, sealed: true }
    },
    sealRegion: (what, id, bytes) => encrypted ? encrypt(key!, bytes, ad(what, id)) : bytes,
    openRegion: (what, id, bytes) => key === null ? null : decrypt(key, bytes, ad(what, id))
  }
}

export const plainSealer: Sealer = makeSealer(null, false)
