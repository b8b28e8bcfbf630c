import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { generateKeyPair, randomBytes } from '../../src/crypto/identity.js'

/** Fresh profiles in temp homes for store-level unit tests (call removeTempStores in afterEach). */
const homes: string[] = []

/** A new profile store (plain, or encrypted with `passphrase`) in a temp home of its own. */
export async function tempStore (passphrase: string | null): Promise<ProfileStore> {
  const home = mkdtempSync(join(tmpdir(), 'psst-store-'))
  homes.push(home)
  return await ProfileStore.create(home, { ...generateKeyPair(), name: 't', nospam: randomBytes(4), status: 'online', statusMessage: '', mailbox: null, createdAt: 1 }, passphrase)
}

export function removeTempStores (): void {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true })
}
