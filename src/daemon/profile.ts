import { ProfileStore } from '../storage/profile-store.js'
import { cryptoReady } from '../crypto/sodium.js'
import { generateKeyPair, randomBytes, toHex } from '../crypto/identity.js'
import { formatId } from '../crypto/id.js'
import type { ProfileRecord } from '../wire/records.js'
import type { IdInfo, Protection, NetworkSettings } from './api.js'
import { readHeader } from '../storage/vault.js'
import { paths } from '../storage/home.js'
import { kdfStrength } from '../crypto/kdf.js'
import { normalize, toRecord } from './settings.js'
import { PsstError } from '../errors.js'
import { utf8Length } from '../wire/codec.js'
import { MAX_NAME_BYTES } from '../wire/limits.js'

export function profileExists (home: string): boolean {
  return ProfileStore.exists(home)
}

export function isProfileEncrypted (home: string): boolean {
  return ProfileStore.isEncrypted(home)
}

/** What the profile header says about its protection (read without the passphrase). */
export function profileProtection (home: string): Protection {
  const h = readHeader(paths.header(home), home)
  if (!h.encrypted) return { encrypted: false, kdf: null }
  return { encrypted: true, kdf: { algorithm: 'argon2id', strength: kdfStrength(h.opslimit, h.memlimit), opslimit: h.opslimit, memlimit: h.memlimit } }
}

export function idInfo (p: ProfileRecord): IdInfo {
  return {
    id: formatId(p.publicKey, p.nospam), publicKey: toHex(p.publicKey), nospam: toHex(p.nospam), name: p.name,
    status: p.status, statusMessage: p.statusMessage
  }
}

export function checkName (name: string): string {
  const trimmed = name.trim()
  if (utf8Length(trimmed) > MAX_NAME_BYTES) throw new PsstError('TOO_LONG', `name is too long (at most ${MAX_NAME_BYTES} bytes)`)
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw PsstError.usage('name must not contain control characters')
  return trimmed
}

/** Creates a profile: a fresh identity and nospam, stored (encrypted with a passphrase if given). */
export async function initProfile (home: string, opts: { name: string, passphrase: string | null, settings?: Partial<NetworkSettings> }): Promise<IdInfo> {
  await cryptoReady()
  // Checked before anything is written: a bad address must not leave a half-made profile.
  const settings = normalize(opts.settings ?? {})
  const keyPair = generateKeyPair()
  const profile: ProfileRecord = {
    ...keyPair,
    name: checkName(opts.name),
    nospam: randomBytes(4),
    status: 'online',
    statusMessage: '',
    mailbox: null,
    createdAt: Date.now()
  }
  const store = await ProfileStore.create(home, profile, opts.passphrase)
  try {
    if (settings.bootstrap != null || settings.dhtHost != null) {
      await store.saveSettings(toRecord({ bootstrap: settings.bootstrap ?? null, dhtHost: settings.dhtHost ?? null }))
    }
  } finally {
    await store.close()
  }
  return idInfo(profile)
}
