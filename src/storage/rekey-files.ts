/**
 * The files of a passphrase change in progress (src/storage/rekey.ts) and the recovery every
 * open runs first: with the commit marker, finish the swap; without it, drop the half-built copy.
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { paths } from './home.js'
import { lockHolder } from './lock.js'

export const rekeyFiles = (home: string): Record<'db' | 'header' | 'newDb' | 'newHeader' | 'oldDb' | 'oldHeader' | 'marker', string> => ({
  db: paths.db(home),
  header: paths.header(home),
  newDb: join(home, 'db.rekey'),
  newHeader: join(home, 'profile.header.rekey'),
  oldDb: join(home, 'db.rekey-old'),
  oldHeader: join(home, 'profile.header.rekey-old'),
  marker: join(home, 'rekey.commit')
})

/**
 * Finishes or undoes an interrupted rekey. Safe to call at every open; cheap when there is none.
 * A live lock holder (a passwd in progress, or a daemon) is left alone unless it is the caller.
 */
export function recoverRekey (home: string, holdingLock = false): 'none' | 'completed' | 'rolled-back' {
  const f = rekeyFiles(home)
  if (!existsSync(f.marker) && !existsSync(f.newDb) && !existsSync(f.newHeader)) return 'none'
  if (!holdingLock && lockHolder(paths.lock(home)) !== null) return 'none'
  if (existsSync(f.marker)) {
    if (existsSync(f.newDb)) {
      if (existsSync(f.db)) renameSync(f.db, f.oldDb)
      renameSync(f.newDb, f.db)
    }
    if (existsSync(f.newHeader)) {
      if (existsSync(f.header)) renameSync(f.header, f.oldHeader)
      renameSync(f.newHeader, f.header)
    }
    rmSync(f.oldDb, { recursive: true, force: true })
    rmSync(f.oldHeader, { force: true })
    rmSync(f.marker, { force: true })
    return 'completed'
  }
  rmSync(f.newDb, { recursive: true, force: true })
  rmSync(f.newHeader, { force: true })
  return 'rolled-back'
}
