/**
 * `psst passwd`: a profile re-encrypted under a new passphrase (or none), all or nothing.
 *
 * The new database is built beside the old one (db.rekey, profile.header.rekey); only when it is
 * complete and closed is the marker file `rekey.commit` written. Then renames put the new files in
 * place. `recoverRekey`, run before any open, finishes the renames when the marker exists and
 * throws the half-built copy away when it does not: a crash at any point leaves the old profile
 * or the new one, never a mix (docs/design.md, Storage).
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs'
import { rekeyFiles as files, recoverRekey } from './rekey-files.js'
import { LevelStore, SUBLEVELS, type Op, type Sub } from './level-store.js'
import { createVault, readHeader, unlockVault, type Vault } from './vault.js'
import { acquireLock } from './lock.js'
import { paths } from './home.js'
import { ProfileStore } from './profile-store.js'
import { Records } from '../wire/records.js'
import { PsstError } from '../errors.js'

const BATCH = 1000

/**
 * Test-only (PSST_TEST_REKEY_PAUSE=copy:N | swap:N): stops for good after N records copied, or
 * after N renames of the swap, so a test can kill -9 the process exactly there.
 */
async function maybePause (phase: 'copy' | 'swap', n: number): Promise<void> {
  const want = process.env.PSST_TEST_REKEY_PAUSE
  if (want !== `${phase}:${n}`) return
  process.stderr.write(`psst-test: rekey paused at ${phase}:${n}\n`)
  // A timer keeps the process alive (an empty event loop would exit): it waits here for the kill.
  await new Promise(() => { setInterval(() => {}, 60_000) })
}

export interface RekeyResult { records: number, skipped: number, encrypted: boolean }

/**
 * Re-encrypts the profile in `home` from `oldPassphrase` to `newPassphrase` (null: plain). The
 * caller must have stopped the daemon; the profile lock is held throughout.
 */
export async function rekeyProfile (home: string, oldPassphrase: string | null, newPassphrase: string | null): Promise<RekeyResult> {
  recoverRekey(home)
  // Opening replays what a killed daemon left in the journal; closing leaves it empty.
  await (await ProfileStore.open(home, oldPassphrase)).close()
  const f = files(home)
  const lock = acquireLock(paths.lock(home), home)
  try {
    if (existsSync(paths.journal(home)) && statSync(paths.journal(home)).size > 0) {
      throw new PsstError('PROFILE_IN_USE', `profile ${home} was written to while changing the passphrase; nothing was changed, try again`)
    }
    const oldVault = unlockVault(readHeader(f.header, home), oldPassphrase)
    const newVault = createVault(f.newHeader, newPassphrase)
    const result = await copyAll(f.db, f.newDb, oldVault, newVault, home)
    writeDurably(f.marker, 'rekey\n')
    let step = 0
    renameSync(f.db, f.oldDb); await maybePause('swap', ++step)
    renameSync(f.newDb, f.db); await maybePause('swap', ++step)
    renameSync(f.header, f.oldHeader); await maybePause('swap', ++step)
    renameSync(f.newHeader, f.header); await maybePause('swap', ++step)
    recoverRekey(home, true)
    return { ...result, encrypted: newPassphrase !== null }
  } catch (err) {
    if (!existsSync(f.marker)) recoverRekey(home, true)
    throw err
  } finally {
    lock.release()
  }
}

async function copyAll (from: string, to: string, oldVault: Vault, newVault: Vault, home: string): Promise<Omit<RekeyResult, 'encrypted'>> {
  rmSync(to, { recursive: true, force: true })
  const src = await LevelStore.open(from, home)
  let dst: LevelStore | null = null
  try {
    dst = await LevelStore.open(to, home)
    const out = dst
    const counts = { records: 0, skipped: 0 }
    // Friend data is keyed by index(publicKey): a keyed hash when encrypted, so the keys are
    // learnt from the records that hold them before the history keyed by them is copied.
    const keyOf = new Map<string, Buffer>()
    const order: Sub[] = ['profile', 'friends', 'requests', 'blocked', ...SUBLEVELS.filter((s) => !['profile', 'friends', 'requests', 'blocked'].includes(s))]
    let ops: Op[] = []
    for (const sub of order) {
      for await (const [k, v] of src.entries(sub)) {
        const value = oldVault.open(sub, k, v)
        const key = value === null ? null : newKeyFor(sub, k, value, keyOf, oldVault, newVault)
        if (value === null || key === null) { counts.skipped++; continue }
        ops.push({ type: 'put', sub, key, value: newVault.seal(sub, key, value) })
        counts.records++
        await maybePause('copy', counts.records)
        if (ops.length >= BATCH) { await out.batch(ops); ops = [] }
      }
    }
    await out.batch(ops)
    return counts
  } finally {
    await dst?.close()
    await src.close()
  }
}

function newKeyFor (sub: Sub, key: Buffer, value: Buffer, keyOf: Map<string, Buffer>, oldVault: Vault, newVault: Vault): Buffer | null {
  switch (sub) {
    case 'friends':
    case 'requests':
    case 'blocked': {
      const rec = sub === 'friends' ? Records.friend.decode(value) : sub === 'requests' ? Records.request.decode(value) : Records.block.decode(value)
      if (rec === null || !oldVault.index(rec.publicKey).equals(key)) return null
      keyOf.set(key.toString('hex'), rec.publicKey)
      return newVault.index(rec.publicKey)
    }
    case 'streams': {
      const rec = Records.stream.decode(value)
      if (rec === null || !Buffer.concat([oldVault.index(rec.conversation), oldVault.index(rec.author)]).equals(key)) return null
      return Buffer.concat([newVault.index(rec.conversation), newVault.index(rec.author)])
    }
    case 'messages':
    case 'outbox': {
      const publicKey = keyOf.get(key.subarray(0, key.byteLength - 8).toString('hex'))
      if (publicKey === undefined) return null
      return Buffer.concat([newVault.index(publicKey), key.subarray(key.byteLength - 8)])
    }
    default: return key
  }
}

function writeDurably (path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 })
  const fd = openSync(path, 'r')
  try { fsyncSync(fd) } finally { closeSync(fd) }
}
